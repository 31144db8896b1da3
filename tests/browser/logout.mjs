// Single sign-on and single logout in a real headless Chromium, with an
// OpenID Connect library nobody on this project wrote (openid-client) as the
// relying party of two apps:
//   app1 logs alice in; app2 gets SSO without a form; a third-party app asks
//   for consent; app1 logs her out through the end-session endpoint with its
//   ID token as hint; app2 receives a back-channel logout token (verified
//   with the JWKS by `jose`) and its front-channel page is loaded by the
//   browser; afterwards prompt=none answers login_required for both apps and
//   both session-bound refresh tokens answer invalid_grant.
// Screenshots of every page go to SCREENSHOT_DIR. Usage: see run.sh.
import { chromium } from 'playwright-core';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import http from 'node:http';
import path from 'node:path';

const issuer = process.env.ISSUER;
const shots = process.env.SCREENSHOT_DIR;
const password = process.env.PASSWORD;
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// One loopback "application": callback, post-logout landing, back-channel
// and front-channel endpoints, each recording what it receives.
function app(port) {
  const seen = { callbacks: [], logoutTokens: [], frontchannel: [] };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    if (req.method === 'POST' && url.pathname === '/backchannel') {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        seen.logoutTokens.push(new URLSearchParams(body).get('logout_token'));
        res.writeHead(200, { 'cache-control': 'no-store' }).end();
      });
      return;
    }
    if (url.pathname === '/frontchannel') seen.frontchannel.push(url);
    if (url.pathname === '/cb') seen.callbacks.push(url);
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>${url.pathname}</h1>`);
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok({ server, seen, base: `http://127.0.0.1:${port}` })));
}

async function relyingParty(clientId, secret) {
  return client.discovery(new URL(issuer), clientId, secret, undefined, { execute: [client.allowInsecureRequests] });
}

// A fresh authorization request for `config`; `extra` adds parameters.
async function request(config, redirectUri, extra = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid profile email', state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  return { url, checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce } };
}

// Every page at desktop width, then at a phone's.
async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(shots, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 800, height: 900 });
}

const [a1, a2, a3] = await Promise.all([app(9000), app(9001), app(9002)]);
const rp1 = await relyingParty('app1', process.env.APP1_SECRET);
const rp2 = await relyingParty('app2', process.env.APP2_SECRET);
const gallery = await relyingParty('gallery', process.env.GALLERY_SECRET);
check(rp1.serverMetadata().end_session_endpoint === `${issuer}/logout`, 'end_session_endpoint in discovery');
check(rp1.serverMetadata().backchannel_logout_supported === true, 'backchannel_logout_supported');

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
const page = await (await browser.newContext({ viewport: { width: 800, height: 900 } })).newPage();

// 1. app1: the login form, then the library redeems the code.
const login1 = await request(rp1, `${a1.base}/cb`);
await page.goto(login1.url.href);
await shot(page, 'login');
await page.fill('#username', 'alice');
await page.fill('#password', password);
await Promise.all([page.waitForURL(/127\.0\.0\.1:9000\/cb/), page.click('button[type=submit]')]);
const tokens1 = await client.authorizationCodeGrant(rp1, new URL(page.url()), login1.checks);
const sid = tokens1.claims().sid;
check(tokens1.refresh_token && sid, 'app1: refresh token and sid');

// 2. app2: single sign-on, no form.
const login2 = await request(rp2, `${a2.base}/cb`);
await page.goto(login2.url.href);
await page.waitForURL(/127\.0\.0\.1:9001\/cb/);
const tokens2 = await client.authorizationCodeGrant(rp2, new URL(page.url()), login2.checks);
check(tokens2.claims().sid === sid, 'one session, one sid');

// 3. A third-party app asks for consent once.
const login3 = await request(gallery, `${a3.base}/cb`);
await page.goto(login3.url.href);
await page.waitForSelector('button[value=allow]');
await shot(page, 'consent');
await Promise.all([page.waitForURL(/127\.0\.0\.1:9002\/cb/), page.click('button[value=allow]')]);
await client.authorizationCodeGrant(gallery, new URL(page.url()), login3.checks);

// 4. The account page and an unhinted logout's confirmation (not answered).
await page.goto(`${issuer}/account`);
check((await page.textContent('h1')).includes('Your account'), 'account page');
check((await page.content()).includes('Photo Gallery'), 'the consented app is listed');
await shot(page, 'account');
await page.goto(`${issuer}/logout?client_id=app1`);
check((await page.textContent('h1')).includes('Sign out?'), 'confirmation without a hint');
await shot(page, 'logout-confirm');

// 5. app1 logs alice out with its ID token as hint. app2 has a front-channel
// URI, so the signed-out page frames it, then continues to app1.
const state = client.randomState();
const endSession = client.buildEndSessionUrl(rp1, {
  id_token_hint: tokens1.id_token, post_logout_redirect_uri: `${a1.base}/bye`, state,
});
await page.goto(endSession.href);
check((await page.textContent('h1')).includes('signed out'), 'the signed-out page');
await shot(page, 'logged-out');
await page.waitForURL(new RegExp(`127\\.0\\.0\\.1:9000/bye\\?state=${state}`), { timeout: 10000 });
const framed = a2.seen.frontchannel.at(-1);
check(framed && framed.searchParams.get('sid') === sid && framed.searchParams.get('iss') === issuer,
  'app2 front-channel page loaded with iss and sid');

// 6. app2's back channel: a logout token that verifies with the JWKS.
const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
for (let i = 0; i < 50 && a2.seen.logoutTokens.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
check(a2.seen.logoutTokens.length === 1, `app2 got ${a2.seen.logoutTokens.length} logout tokens`);
const { payload, protectedHeader } = await jwtVerify(a2.seen.logoutTokens[0], jwks, { issuer, audience: 'app2', typ: 'logout+jwt' });
check(protectedHeader.typ === 'logout+jwt', 'typ');
check(payload.sid === sid && payload.sub === tokens2.claims().sub && payload.events?.[BACKCHANNEL_EVENT], 'logout token claims');
check(payload.nonce === undefined && typeof payload.jti === 'string', 'no nonce, a jti');

// 7. Afterwards: prompt=none asks for a login, and the refresh tokens are dead.
for (const [rp, base, name] of [[rp1, a1.base, 'app1'], [rp2, a2.base, 'app2']]) {
  const silent = await request(rp, `${base}/cb`, { prompt: 'none' });
  await page.goto(silent.url.href);
  await page.waitForURL(new RegExp(`${base.replace(/\./g, '\\.')}/cb`));
  check(new URL(page.url()).searchParams.get('error') === 'login_required', `${name}: prompt=none → login_required`);
}
for (const [rp, tokens, name] of [[rp1, tokens1, 'app1'], [rp2, tokens2, 'app2']]) {
  let error;
  try { await client.refreshTokenGrant(rp, tokens.refresh_token); } catch (e) { error = e; }
  check(error?.error === 'invalid_grant', `${name}: refresh after logout → ${error?.error ?? 'success'}`);
}

await browser.close();
for (const a of [a1, a2, a3]) a.server.close();
console.log(`logout: SSO for two apps, consent, RP-initiated logout, back- and front-channel delivery, ` +
  `login_required and invalid_grant afterwards; screenshots in ${shots}`);
