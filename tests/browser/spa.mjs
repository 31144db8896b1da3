// A browser SPA on oidc-client-ts (public client, PKCE), served from its own
// origin: it logs in through the oxidp login form, gets tokens with CORS,
// calls UserInfo, refreshes (signinSilent with the refresh token), revokes
// (revokeTokens), and reads the error of a refresh with the revoked token.
// A page on an origin no client registered cannot read /token at all.
// Usage: see run.sh (ISSUER, SPA_PORT, PASSWORD, SCREENSHOT_DIR).
import { chromium } from 'playwright-core';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const issuer = process.env.ISSUER;
const spaPort = Number(process.env.SPA_PORT);
const spaOrigin = `http://127.0.0.1:${spaPort}`;
const shots = process.env.SCREENSHOT_DIR || '.';
const bundle = fs.readFileSync(
  path.join(process.env.NODE_PATH, 'oidc-client-ts', 'dist', 'browser', 'oidc-client-ts.min.js'));

// The app: one page for the start and the callback; results go into the
// page (window.spaResult and a visible list) for the test to read.
const appHtml = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>SPA</title>
<style>body{font:16px system-ui;margin:1.5rem;max-width:40rem}li.ok::before{content:"✔ ";color:green}
li.bad::before{content:"✘ ";color:#b00}pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:.5rem}</style>
</head><body><h1>Example SPA</h1><p>Origin <code>${spaOrigin}</code>, client <code>spa</code>.</p>
<button id="login">Log in</button><ul id="steps"></ul><pre id="result"></pre>
<script src="/oidc-client-ts.min.js"></script><script src="/app.js"></script></body></html>`;

const appJs = `
const mgr = new oidc.UserManager({
  authority: ${JSON.stringify(issuer)}, client_id: 'spa',
  redirect_uri: location.origin + '/callback.html', response_type: 'code',
  scope: 'openid profile email', loadUserInfo: true, automaticSilentRenew: false,
  userStore: new oidc.WebStorageStateStore({ store: window.localStorage }),
});
const steps = [];
function step(name, ok, detail) {
  steps.push({ name, ok, detail });
  const li = document.createElement('li');
  li.className = ok ? 'ok' : 'bad';
  li.textContent = name + (detail ? ': ' + detail : '');
  document.getElementById('steps').append(li);
}
document.getElementById('login').onclick = () => mgr.signinRedirect({ state: { from: 'spa' } });
async function callback() {
  const result = {};
  try {
    const user = await mgr.signinRedirectCallback();
    result.sub = user.profile.sub;
    result.username = user.profile.preferred_username;
    result.email = user.profile.email;
    step('code exchanged with CORS', !!user.access_token, 'sub ' + user.profile.sub);
    step('UserInfo loaded', !!user.profile.email, user.profile.email);
    const info = await fetch(mgr.settings.authority + '/userinfo',
      { headers: { Authorization: 'Bearer ' + user.access_token } });
    result.userinfoStatus = info.status;
    result.userinfo = await info.json();
    step('UserInfo fetched directly', info.status === 200, info.status + ' ' + result.userinfo.preferred_username);
    const firstRefresh = user.refresh_token;
    result.hadRefreshToken = !!firstRefresh;
    const renewed = await mgr.signinSilent();
    result.refreshed = renewed.access_token !== user.access_token && renewed.refresh_token !== firstRefresh;
    step('refreshed (signinSilent, rotated)', result.refreshed);
    const current = renewed.refresh_token;
    await mgr.revokeTokens(['access_token', 'refresh_token']);
    step('revoked (revokeTokens)', true);
    // The revoked refresh token is refused, and the browser may read why.
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: current, client_id: 'spa' });
    const after = await fetch(mgr.settings.authority + '/token', { method: 'POST', body });
    result.afterRevoke = { status: after.status, ...(await after.json()) };
    step('revoked refresh token refused', after.status === 400, result.afterRevoke.error);
    const infoAfter = await fetch(mgr.settings.authority + '/userinfo',
      { headers: { Authorization: 'Bearer ' + renewed.access_token } });
    result.userinfoAfterRevoke = infoAfter.status;
    result.challenge = infoAfter.headers.get('WWW-Authenticate');
    step('revoked access token refused', infoAfter.status === 401, result.challenge);
  } catch (e) {
    result.error = String(e && e.message || e);
    step('failed', false, result.error);
  }
  document.getElementById('result').textContent = JSON.stringify(result, null, 2);
  window.spaResult = result;
}
if (location.pathname === '/callback.html') callback();
`;

// Authorization responses the SPA received by form post (response_mode=form_post).
const posted = [];

// A page on an origin no client registered.
const strangerHtml = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>stranger</title></head>
<body><h1>Another site</h1><script>
window.strangerResult = (async () => {
  const out = {};
  const meta = await fetch(${JSON.stringify(issuer)} + '/.well-known/openid-configuration');
  out.discovery = meta.status;
  try {
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: 'spa' });
    const r = await fetch(${JSON.stringify(issuer)} + '/token', { method: 'POST', body });
    out.token = 'readable ' + r.status;
  } catch (e) { out.token = 'blocked'; }
  try {
    await fetch(${JSON.stringify(issuer)} + '/userinfo', { headers: { Authorization: 'Bearer x' } });
    out.userinfo = 'readable';
  } catch (e) { out.userinfo = 'blocked'; }
  return out;
})();
</script></body></html>`;

function serve(port, routes) {
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        posted.push(Object.fromEntries(new URLSearchParams(body)));
        res.writeHead(200, { 'content-type': html }).end('<h1>form post received</h1>');
      });
      return;
    }
    const route = routes[new URL(req.url, 'http://x').pathname];
    if (!route) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': route[0] }).end(route[1]);
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

const html = 'text/html; charset=utf-8';
const spa = await serve(spaPort, {
  '/': [html, appHtml], '/callback.html': [html, appHtml],
  '/app.js': ['text/javascript', appJs], '/oidc-client-ts.min.js': ['text/javascript', bundle],
});
const stranger = await serve(0, { '/': [html, strangerHtml] });
const strangerOrigin = `http://127.0.0.1:${stranger.address().port}`;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
const fail = (msg) => { throw new Error(msg); };
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${spaOrigin}/`);
  await Promise.all([page.waitForURL((u) => u.href.startsWith(`${issuer}/authorize`)), page.click('#login')]);
  await page.fill('#username', 'alice');
  await page.fill('#password', process.env.PASSWORD);
  await Promise.all([page.waitForURL(/\/callback\.html/), page.click('button[type=submit]')]);
  await page.waitForFunction(() => window.spaResult !== undefined, null, { timeout: 20000 });
  const r = await page.evaluate(() => window.spaResult);
  await page.screenshot({ path: path.join(shots, 'spa-result.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(shots, 'spa-result-phone.png'), fullPage: true });
  if (r.error) fail(`SPA failed: ${r.error}`);
  if (r.username !== 'alice' || r.email !== 'alice@example.com') fail(`profile: ${JSON.stringify(r)}`);
  if (r.userinfoStatus !== 200 || r.userinfo.sub !== r.sub) fail(`userinfo: ${JSON.stringify(r)}`);
  if (!r.hadRefreshToken || !r.refreshed) fail(`refresh: ${JSON.stringify(r)}`);
  if (r.afterRevoke.status !== 400 || r.afterRevoke.error !== 'invalid_grant') fail(`after revoke: ${JSON.stringify(r)}`);
  if (r.userinfoAfterRevoke !== 401 || !/invalid_token/.test(r.challenge || '')) fail(`userinfo after revoke: ${JSON.stringify(r)}`);

  const other = await (await browser.newContext()).newPage();
  await other.goto(`${strangerOrigin}/`);
  const s = await other.evaluate(() => window.strangerResult);
  if (s.discovery !== 200) fail(`discovery from another origin: ${JSON.stringify(s)}`);
  if (s.token !== 'blocked' || s.userinfo !== 'blocked') fail(`a stranger origin read oxidp: ${JSON.stringify(s)}`);

  // response_mode=form_post: with JavaScript the page posts itself (its CSP
  // allows the inline script by hash); without, a button does it.
  const cspErrors = [];
  page.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text()); });
  const formPostUrl = (state) => `${issuer}/authorize?` + new URLSearchParams({ client_id: 'spa',
    redirect_uri: `${spaOrigin}/callback.html`, response_type: 'code', scope: 'openid', state,
    response_mode: 'form_post', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256' });
  await page.goto(formPostUrl('fp-js'));
  await page.waitForSelector('text=form post received');
  const auto = posted.find((p) => p.state === 'fp-js');
  if (!auto || !auto.code || auto.iss !== issuer) fail(`form_post with JavaScript: ${JSON.stringify(posted)}`);
  if (cspErrors.length) fail(`CSP blocked the form post page: ${cspErrors}`);
  const noJs = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await noJs.goto(formPostUrl('fp-nojs'));
  await noJs.fill('#username', 'alice');
  await noJs.fill('#password', process.env.PASSWORD);
  await Promise.all([noJs.waitForURL((u) => u.pathname === '/login'), noJs.click('button[type=submit]')]);
  await noJs.waitForSelector('button:has-text("Continue")');
  await noJs.screenshot({ path: path.join(shots, 'form-post-nojs.png'), fullPage: true });
  await noJs.setViewportSize({ width: 390, height: 844 });
  await noJs.screenshot({ path: path.join(shots, 'form-post-nojs-phone.png'), fullPage: true });
  await Promise.all([noJs.waitForURL(`${spaOrigin}/callback.html`), noJs.click('button:has-text("Continue")')]);
  const manual = posted.find((p) => p.state === 'fp-nojs');
  if (!manual || !manual.code) fail(`form_post without JavaScript: ${JSON.stringify(posted)}`);
  console.log(`spa: ok (login, token, userinfo, refresh, revoke from ${spaOrigin}; ${strangerOrigin} blocked; form_post with and without JavaScript)`);
} finally {
  await browser.close();
  spa.close();
  stranger.close();
}
