// An account's life in a real headless Chromium, without JavaScript in the
// pages: sign in on the account page, set up two-step verification (the QR
// page, a TOTP code computed here like an authenticator app, the recovery
// codes shown once), sign in again with password + code, forget the
// password and recover the account through the mailed link (mail.transport
// = log: the link is read from the server's log), then sign in with the new
// password and a recovery code. Screenshots of each page at desktop and
// phone width, light and dark, English and German.
// Usage: see run.sh (it creates the user carol and keeps the server log).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const issuer = process.env.ISSUER;
const shots = process.env.SCREENSHOT_DIR || '/tmp';
const serverLog = process.env.SERVER_LOG;
const username = 'carol';
const password = process.env.PASSWORD;
const newPassword = 'a new and longer passphrase';

/** RFC 4648 base32 (the key an authenticator app is given). */
function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (HMAC-SHA-1, 30 s, 6 digits) at Unix time `t`. */
function totp(key, t) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const mac = crypto.createHmac('sha1', base32(key)).update(counter).digest();
  const offset = mac[19] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

const now = () => Math.floor(Date.now() / 1000);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
const fresh = (options = {}) => browser.newContext({ javaScriptEnabled: false, ...options });

async function shoot(page, name) {
  await page.screenshot({ path: `${shots}/accounts-${name}.png`, fullPage: true });
}

async function signInOnAccountPage(page) {
  await page.goto(`${issuer}/account`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
}

// 1. Sign in and set up two-step verification.
const laptop = await fresh();
let page = await laptop.newPage();
await signInOnAccountPage(page);
await page.click('text=Set up two-step verification');
if (!(await page.locator('figure.qr svg').count())) throw new Error('no QR code on the set-up page');
const key = (await page.textContent('figure.qr .code-inline')).trim();
await shoot(page, 'totp-setup-desktop');
await page.setViewportSize({ width: 390, height: 844 });
await shoot(page, 'totp-setup-phone');
await page.setViewportSize({ width: 1280, height: 800 });
await page.fill('#code', '000000');
await page.click('button[type=submit]');
if (!(await page.textContent('[role=alert]')).includes('not right')) throw new Error('a wrong code was not refused');
await page.fill('#code', totp(key, now()));
await page.click('button[type=submit]');
const codes = await page.locator('.recovery-codes .code-inline').allTextContents();
if (codes.length !== 10) throw new Error(`expected 10 recovery codes, got ${codes.length}`);
await shoot(page, 'recovery-codes');
await page.click('text=Back to your account');
if (!(await page.textContent('main')).includes('10 recovery codes left')) throw new Error('the account page does not say TOTP is on');
await shoot(page, 'account-totp-on');
console.log('two-step verification set up, 10 recovery codes shown once');

// 2. Another browser (German, dark): password, then a code of the next step
// (the set-up used this one; a code works once).
const phone = await fresh({ locale: 'de-DE', colorScheme: 'dark', viewport: { width: 390, height: 844 } });
page = await phone.newPage();
await signInOnAccountPage(page);
if (!(await page.textContent('h1')).includes('Zweistufige Anmeldung')) throw new Error('no German second step: ' + await page.textContent('main'));
await shoot(page, 'second-step-phone-de-dark');
await page.fill('#code', totp(key, now() + 30));
await page.click('form button[type=submit] >> nth=0');
if (!page.url().startsWith(`${issuer}/account`) || !(await page.locator('h1').textContent()).includes('Ihr Konto')) {
  throw new Error('not signed in after the code: ' + page.url());
}
console.log('signed in with password and TOTP');

// 3. Forgot the password: /forgot, the mailed link, a new password.
const lost = await fresh();
page = await lost.newPage();
await page.goto(`${issuer}/account`);
await page.click('text=Forgot your password?');
await page.fill('input[name=identifier]', username);
await page.click('button[type=submit]');
if (!(await page.textContent('main')).includes('Check your email')) throw new Error('no "check your email" answer');
await shoot(page, 'forgot-sent');
let link;
for (let i = 0; i < 50 && !link; i++) {
  const log = fs.readFileSync(serverLog, 'utf8');
  const found = [...log.matchAll(/http:\/\/127\.0\.0\.1:\d+\/reset\?token=[A-Za-z0-9_-]+/g)];
  link = found.length ? found[found.length - 1][0] : undefined;
  if (!link) await new Promise((r) => setTimeout(r, 100));
}
if (!link) throw new Error('no reset link in the server log');
await page.goto(link);
await shoot(page, 'reset-form');
await page.fill('input[name=password]', newPassword);
await page.fill('input[name=confirmation]', newPassword);
await page.click('button[type=submit]');
if (!(await page.textContent('main')).includes('Your password was changed')) throw new Error('the reset did not succeed: ' + await page.textContent('main'));
await shoot(page, 'reset-done');
await page.goto(link);
if (!(await page.textContent('main')).includes('expired or was already used')) throw new Error('the link worked twice');
console.log('password reset through the mailed link; the link works once');

// 4. The new password and a recovery code (the phone is "lost").
await page.goto(`${issuer}/account`);
await page.fill('#username', username);
await page.fill('#password', newPassword);
await page.click('button[type=submit]');
await page.click('summary');
await page.fill('#recovery_code', codes[0]);
await page.click('text=Use recovery code');
if (!(await page.textContent('main')).includes('9 recovery codes left')) throw new Error('recovery code sign-in failed: ' + await page.textContent('main'));
await shoot(page, 'account-after-recovery');
console.log('signed in with the new password and a recovery code');

await browser.close();
