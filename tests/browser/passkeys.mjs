// A new user's way in a real headless Chromium, ending with passkeys (a
// CDP virtual authenticator: CTAP2, internal, resident keys, user
// verification): register at /register (accounts.registration = true),
// confirm the address through the mailed link (mail.transport = log: read
// from the server's log), sign in on the account page, add a passkey (static/passkey.js runs
// navigator.credentials.create), sign out, then sign in to an app with the
// passkey alone (no username typed): the ID token says acr 2, amr
// hwk/user/mfa. Then the account page's own "Sign in with a passkey", and
// the passkey as the second factor of an app that requires two.
// WebAuthn needs a domain name, so run.sh starts this server with the
// issuer http://localhost:PORT. Screenshots at desktop and phone width.
// Usage: see run.sh (PASSKEY_ISSUER, PASSKEY_TOKEN_URL, NOTES_SECRET).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { chromium } from 'playwright-core';

const issuer = process.env.PASSKEY_ISSUER;
const tokenUrl = process.env.PASSKEY_TOKEN_URL;
const secret = process.env.NOTES_SECRET;
const serverLog = process.env.PASSKEY_SERVER_LOG;
const password = process.env.PASSWORD;
const shots = process.env.SCREENSHOT_DIR || '/tmp';
const redirectUri = 'http://127.0.0.1:9004/cb';
const fail = (message) => { console.error(`FAIL passkeys: ${message}`); process.exit(1); };
const b64url = (buf) => Buffer.from(buf).toString('base64url');

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
// The app's callback: the browser only has to arrive.
const app = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('app'); });
await new Promise((ok) => app.listen(9004, '127.0.0.1', ok));

const cdp = await context.newCDPSession(page);
await cdp.send('WebAuthn.enable');
const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
  options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
             isUserVerified: true, automaticPresenceSimulation: true },
});

async function shoot(name) {
  await page.screenshot({ path: `${shots}/passkeys-${name}.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/passkeys-${name}-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

// 1. Register, confirm the address, sign in on the account page; add a passkey.
await page.goto(`${issuer}/account`);
await page.click('text=Create an account');
await page.fill('#username', 'dave');
await page.fill('#email', 'dave@example.com');
await page.fill('#name', 'Dave Example');
await page.fill('#password', password);
await page.fill('#confirmation', password);
await shoot('register');
await page.click('form[action="/register"] button[type=submit]');
if (!(await page.textContent('main')).includes('Check your email')) fail(`registration: ${await page.textContent('main')}`);
let link;
for (let i = 0; i < 50 && !link; i++) {
  const found = [...fs.readFileSync(serverLog, 'utf8').matchAll(/http:\/\/localhost:\d+\/verify\?token=[A-Za-z0-9_-]+/g)];
  link = found.length ? found[found.length - 1][0] : undefined;
  if (!link) await new Promise((r) => setTimeout(r, 100));
}
if (!link) fail('no verification link in the server log');
await page.goto(link);
await shoot('verify');
await page.click('form[action="/verify"] button[type=submit]');
if (!(await page.textContent('main')).includes('Your email address is confirmed')) fail('not confirmed');
await page.goto(`${issuer}/account`);
await page.fill('#username', 'dave');
await page.fill('#password', password);
await page.click('form[action="/account/login"] button[type=submit]');
await page.waitForURL(`${issuer}/account`);
if (!(await page.isVisible('#add-passkey'))) fail('the account page offers no passkey (script not run?)');
await shoot('account-before');
await page.fill('#passkey_name', 'This laptop');
await page.click('#add-passkey');
await page.waitForURL(`${issuer}/account?done=passkey_added`);
const account = await page.textContent('main');
if (!account.includes('Passkey added') || !account.includes('This laptop')) fail(`not added: ${account}`);
const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
if (credentials.length !== 1 || !credentials[0].isResidentCredential) {
  fail(`expected one discoverable credential: ${JSON.stringify(credentials)}`);
}
await shoot('account-added');

// 2. Sign out; sign in to the app with the passkey alone.
await page.click('form[action="/account/sessions/end"] button');
await page.waitForURL(`${issuer}/account`);
const verifier = b64url(crypto.randomBytes(32));
const challenge = b64url(crypto.createHash('sha256').update(verifier).digest());
const authorize = new URL(`${issuer}/authorize`);
Object.entries({ response_type: 'code', client_id: 'notes', redirect_uri: redirectUri, scope: 'openid profile',
  state: 'st', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' })
  .forEach(([k, v]) => authorize.searchParams.set(k, v));
await page.goto(authorize.href);
if (!(await page.isVisible('#passkey-sign-in'))) fail('the login page offers no passkey');
await shoot('login');
await Promise.all([page.waitForURL(/127\.0\.0\.1:9004\/cb/), page.click('#passkey-sign-in')]);
const code = new URL(page.url()).searchParams.get('code');
if (!code) fail(`no code: ${page.url()}`);
const answer = await fetch(tokenUrl, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded',
             authorization: `Basic ${Buffer.from(`notes:${secret}`).toString('base64')}` },
  body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }),
});
const tokens = await answer.json();
if (!answer.ok) fail(`token: ${JSON.stringify(tokens)}`);
const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString());
if (claims.acr !== '2' || JSON.stringify(claims.amr) !== JSON.stringify(['hwk', 'user', 'mfa'])) {
  fail(`acr/amr: ${JSON.stringify(claims)}`);
}

// 3. The account page's own passkey sign-in (a fresh browser profile
// would not have the session; sign out first).
await page.goto(`${issuer}/account`);
await page.click('form[action="/account/sessions/end"] button');
await page.waitForURL(`${issuer}/account`);
await page.click('#passkey-sign-in');
await page.waitForFunction(() => document.body.textContent.includes('This laptop'));
await shoot('account-signed-in');

// 4. An app that requires two factors: the password, then the passkey.
await page.click('form[action="/account/sessions/end"] button');
await page.waitForURL(`${issuer}/account`);
authorize.searchParams.set('client_id', 'vault');
await page.goto(authorize.href);
await page.fill('#username', 'dave');
await page.fill('#password', password);
await page.click('form[action="/login"] button[type=submit]');
await page.waitForSelector('#passkey-second-factor');
await shoot('second-factor');
await page.emulateMedia({ colorScheme: 'dark' });
await shoot('second-factor-dark');
await page.emulateMedia({ colorScheme: 'light' });
await Promise.all([page.waitForURL(/127\.0\.0\.1:9004\/cb/), page.click('#passkey-second-factor')]);
if (!new URL(page.url()).searchParams.get('code')) fail(`no code from the second factor: ${page.url()}`);
if (errors.length) fail(`page errors: ${errors.join('; ')}`);
console.log(`ok passkeys: added a discoverable passkey, signed in to an app with it (amr ${claims.amr.join(' ')}), to the account page, and as the second factor an app requires`);
await browser.close();
app.close();
