// The admin console in a real headless Chromium: /admin sends the browser
// through oxidp's own login form and back, the clients page lists clients,
// the "New client" form creates one (its secret shown once), and the list
// then shows it. Screenshots at desktop and phone width (390px).
// Usage: see run.sh (it makes ADMIN_USER an administrator first).
import { chromium } from 'playwright-core';

const issuer = process.env.ISSUER;
const shots = process.env.SCREENSHOT_DIR || '/tmp';
const username = process.env.ADMIN_USER || 'root';
const password = process.env.ADMIN_PASSWORD || process.env.PASSWORD;
const clientId = 'console-made';

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
const context = await browser.newContext({ javaScriptEnabled: false });
const page = await context.newPage();

// 1. Signed out: the console sends us to oxidp's login form.
await page.goto(`${issuer}/admin/clients`);
if (!page.url().startsWith(`${issuer}/authorize`)) throw new Error('not sent to sign in: ' + page.url());
await page.fill('#username', username);
await page.fill('#password', password);
await Promise.all([page.waitForURL(`${issuer}/admin/clients`), page.click('button[type=submit]')]);
if (!(await page.textContent('nav')).includes(username)) throw new Error('the navigation does not name the admin');
console.log('signed in to the console through the code flow');

// 2. The clients page lists the console's own client.
if (!(await page.textContent('table')).includes('oxidp-admin-console')) throw new Error('clients not listed');
await page.screenshot({ path: `${shots}/oxidp-console-clients.png`, fullPage: true });

// 3. Create a client with the form (no scripts: plain form posts).
await page.click('text=New client');
await page.fill('#client_id', clientId);
await page.check('input[name=type][value=confidential]');
await page.fill('#name', 'Made in the Console');
await page.fill('#redirect_uris', 'https://made.example/cb');
await page.check('input[name=grant_types][value=refresh_token]');
await page.screenshot({ path: `${shots}/oxidp-console-new-client.png`, fullPage: true });
await page.click('button:has-text("Create client")');
const secret = await page.inputValue('#secret');
if (secret.length < 32) throw new Error('no secret shown after creation');
await page.screenshot({ path: `${shots}/oxidp-console-created.png`, fullPage: true });
console.log('created', clientId, 'and was shown its secret once');

// 4. It is listed (searching for it).
await page.goto(`${issuer}/admin/clients?q=made`);
const listed = await page.textContent('table');
if (!listed.includes(clientId) || !listed.includes('Made in the Console')) throw new Error('new client not listed');
console.log('the new client is listed');

// 5. The keys and the audit log (the creation is there, by this admin).
await page.click('nav >> text=Keys');
if (!(await page.textContent('table')).includes('active')) throw new Error('no active key listed');
await page.screenshot({ path: `${shots}/oxidp-console-keys.png`, fullPage: true });
await page.click('nav >> text=Audit');
await page.selectOption('#kind', 'admin_action');
await page.click('button:has-text("Filter")');
if (!(await page.textContent('table')).includes(clientId)) throw new Error('the creation is not in the audit log');
await page.screenshot({ path: `${shots}/oxidp-console-audit.png`, fullPage: true });
console.log('keys and audit pages OK');

// 6. The same page on a phone: readable, the table scrolls sideways.
await page.setViewportSize({ width: 390, height: 844 });
await page.goto(`${issuer}/admin/clients`);
await page.screenshot({ path: `${shots}/oxidp-console-clients-phone.png`, fullPage: true });
const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
if (overflow > 390) throw new Error(`the page is wider than the phone (${overflow}px)`);
await page.goto(`${issuer}/admin/clients/${clientId}`);
await page.screenshot({ path: `${shots}/oxidp-console-client-phone.png`, fullPage: true });

await browser.close();
console.log('CONSOLE BROWSER CHECK PASSED');
