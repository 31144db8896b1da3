// Drives a real headless Chromium through oxidp: login form → code → token
// exchange → userinfo, then SSO for a second client without a login form.
// Usage: see run.sh (it provisions the server and passes the env below).
import { chromium } from 'playwright-core';
import http from 'node:http';
import crypto from 'node:crypto';

const issuer = process.env.ISSUER;
const [secret1, secret2] = [process.env.APP1_SECRET, process.env.APP2_SECRET];
const b64url = (buf) => buf.toString('base64url');

// Callback "applications" on loopback that just record what they receive.
function callbackServer(port) {
  const hits = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    if (url.pathname === '/cb') hits.push(url);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>callback</h1>');
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok({ server, hits })));
}

async function exchange(clientId, secret, code, redirectUri, verifier) {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
  const res = await fetch(`${issuer}/token`, {
    method: 'POST', body,
    headers: { authorization: 'Basic ' + Buffer.from(`${clientId}:${secret}`).toString('base64') },
  });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function authorizeUrl(clientId, redirectUri, state, challenge) {
  const q = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code',
    scope: 'openid profile email', state, nonce: 'n-' + state, code_challenge: challenge, code_challenge_method: 'S256' });
  return `${issuer}/authorize?${q}`;
}

const cb1 = await callbackServer(9000);
const cb2 = await callbackServer(9001);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
const page = await (await browser.newContext()).newPage();
const verifier = b64url(crypto.randomBytes(32));
const challenge = b64url(crypto.createHash('sha256').update(verifier).digest());

// 1. First client: the login form appears; fill it in like a person.
await page.goto(authorizeUrl('app1', 'http://127.0.0.1:9000/cb', 'st1', challenge));
await page.screenshot({ path: process.env.SCREENSHOT || 'login.png' });
await page.fill('#username', 'alice');
await page.fill('#password', 'wrong password');
await page.click('button[type=submit]');
const errorText = await page.textContent('.alert');
if (!errorText.includes('Invalid username or password.')) throw new Error('no error shown for a wrong password');
await page.fill('#password', process.env.PASSWORD);
await Promise.all([page.waitForURL(/127\.0\.0\.1:9000\/cb/), page.click('button[type=submit]')]);
const hit1 = cb1.hits.at(-1);
if (hit1.searchParams.get('state') !== 'st1') throw new Error('state not echoed');
const tokens = await exchange('app1', secret1, hit1.searchParams.get('code'), 'http://127.0.0.1:9000/cb', verifier);
const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url'));
if (claims.nonce !== 'n-st1' || claims.aud !== 'app1') throw new Error('bad ID token ' + JSON.stringify(claims));
const ui = await (await fetch(`${issuer}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
if (ui.sub !== claims.sub) throw new Error('userinfo sub mismatch');
console.log('login + code + tokens + userinfo OK, sub =', claims.sub);

// 2. Second client in the same browser: straight back with a code (SSO).
const loginForms = [];
page.on('response', (r) => { if (r.url().startsWith(`${issuer}/authorize`) && r.status() === 200) loginForms.push(r.url()); });
await page.goto(authorizeUrl('app2', 'http://127.0.0.1:9001/cb', 'st2', challenge));
await page.waitForURL(/127\.0\.0\.1:9001\/cb/);
if (loginForms.length) throw new Error('SSO showed a login form');
const hit2 = cb2.hits.at(-1);
const tokens2 = await exchange('app2', secret2, hit2.searchParams.get('code'), 'http://127.0.0.1:9001/cb', verifier);
const claims2 = JSON.parse(Buffer.from(tokens2.id_token.split('.')[1], 'base64url'));
if (claims2.sub !== claims.sub || claims2.sid !== claims.sid) throw new Error('SSO session differs');
console.log('SSO for second client OK, same sid =', claims2.sid);

await browser.close();
cb1.server.close();
cb2.server.close();
console.log('BROWSER CHECK PASSED');
