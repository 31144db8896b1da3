// Every page a person sees, in a real headless Chromium, at desktop (1280)
// and phone widths (320, 390), light and dark, English and German: login
// (after a wrong password), consent, account, device, logout confirmation,
// signed out, an error page, the 404 page and the start page. Screenshots
// go to $SCREENSHOT_DIR as pages-<variant>-<page>.png. Checks along the way:
// after a failed password the focus is in the password field, no page is
// wider than a 320 px phone, <html lang> follows the browser's language,
// and the app's logo shows next to its name.
// Usage: see run.sh (it registers the "studio" client with a logo served
// here on LOGO_PORT).
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const issuer = process.env.ISSUER;
const shots = process.env.SCREENSHOT_DIR || '/tmp';
const password = process.env.PASSWORD;
const logoPort = Number(process.env.LOGO_PORT);
const callback = 'http://127.0.0.1:9003/cb';

const check = (ok, what) => { if (!ok) throw new Error(`FAILED: ${what}`); };

// The app's logo, on its own (loopback) origin.
const logo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#0b6e4f"/>
<circle cx="32" cy="34" r="13" fill="none" stroke="#fff" stroke-width="5"/><rect x="14" y="16" width="12" height="7" rx="2" fill="#fff"/></svg>`;
const logoServer = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'image/svg+xml' });
  res.end(logo);
}).listen(logoPort, '127.0.0.1');
// The app itself: its callback page.
const appServer = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('back at the app');
}).listen(Number(new URL(callback).port), '127.0.0.1');

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });

const variants = [
  { name: 'desktop-light', width: 1280, height: 900, colorScheme: 'light', locale: 'en-US' },
  { name: 'desktop-dark', width: 1280, height: 900, colorScheme: 'dark', locale: 'en-US' },
  { name: 'phone320-light', width: 320, height: 640, colorScheme: 'light', locale: 'en-US' },
  { name: 'phone390-dark', width: 390, height: 844, colorScheme: 'dark', locale: 'en-US' },
  { name: 'phone390-de', width: 390, height: 844, colorScheme: 'light', locale: 'de-DE' },
  { name: 'desktop-de-dark', width: 1280, height: 900, colorScheme: 'dark', locale: 'de-DE' },
];

function authorizeUrl(extra = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    client_id: 'studio', response_type: 'code', redirect_uri: callback, scope: 'openid profile email',
    state: randomBytes(8).toString('hex'), code_challenge_method: 'S256',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), ...extra,
  });
  return `${issuer}/authorize?${params}`;
}

for (const v of variants) {
  const german = v.locale.startsWith('de');
  const context = await browser.newContext({
    viewport: { width: v.width, height: v.height }, colorScheme: v.colorScheme, locale: v.locale,
    extraHTTPHeaders: { 'Accept-Language': german ? 'de-DE,de;q=0.9' : 'en-US,en;q=0.9' },
  });
  const page = await context.newPage();
  const shot = async (what) => {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= v.width, `${v.name} ${what}: the page is ${width}px wide on a ${v.width}px screen`);
    const lang = await page.getAttribute('html', 'lang');
    check(lang === (german ? 'de' : 'en'), `${v.name} ${what}: <html lang="${lang}">`);
    await page.screenshot({ path: `${shots}/pages-${v.name}-${what}.png`, fullPage: true });
  };

  // Login: the app's name and logo; a wrong password puts the cursor in
  // the password field, with the message above.
  await page.goto(authorizeUrl());
  check((await page.textContent('main')).includes('Photo Studio'), 'the login page names the app');
  const logoLoaded = await page.$eval('img.client-logo', (img) => img.complete && img.naturalWidth > 0);
  check(logoLoaded, 'the app logo is shown (CSP allows it)');
  check(await page.$eval('#username', (el) => el === document.activeElement), 'focus starts in the username');
  await page.fill('#username', 'alice');
  await page.fill('#password', 'not the password');
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  await page.waitForSelector('.alert');
  check(await page.$eval('#password', (el) => el === document.activeElement), 'focus in the password after an error');
  await shot('login-error');

  // Consent (denied, so the next variant is asked again).
  await page.fill('#password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  await page.waitForSelector('button[value=deny]');
  await shot('consent');
  await Promise.all([page.waitForURL(`${callback}**`), page.click('button[value=deny]')]);
  check(new URL(page.url()).searchParams.get('error') === 'access_denied', 'deny goes back with access_denied');

  await page.goto(`${issuer}/account`);
  await shot('account');
  await page.goto(`${issuer}/device`);
  await shot('device');
  // A keyboard user sees where the focus is.
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  check(ring !== 'none', `a visible focus ring (${ring})`);
  await shot('device-focus');

  await page.goto(`${issuer}/logout`);
  await shot('logout-confirm');
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  await shot('logged-out');

  await page.goto(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }));
  check((await page.textContent('.alert')).length > 40, 'the error page explains');
  check((await page.textContent('code')).includes('invalid_request'), 'the code in small print');
  await shot('error');
  await page.goto(`${issuer}/no/such/page`);
  await shot('not-found');
  await page.goto(`${issuer}/`);
  await shot('home');
  await context.close();
  console.log(`pages OK: ${v.name}`);
}

await browser.close();
logoServer.close();
appServer.close();
console.log('PAGES BROWSER CHECK PASSED');
