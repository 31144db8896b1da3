// A native app (RFC 8252) in a real headless Chromium: like a desktop or
// CLI app, it listens on a loopback port chosen when it runs (port 0), sends
// the system browser to oxidp with `http://127.0.0.1:<port>/callback` as
// redirect URI (registered without a port), and finishes with openid-client
// as a public client: PKCE, code exchange, ID token checks, userinfo and a
// refresh; then once more with a pushed authorization request (RFC 9126),
// and with DPoP-bound tokens (RFC 9449).
// Usage: see run.sh (it registers the client `native`).
import { chromium } from 'playwright-core';
import * as client from 'openid-client';
import http from 'node:http';
import path from 'node:path';

const issuer = process.env.ISSUER;
const shots = process.env.SCREENSHOT_DIR;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// The app's one-shot loopback listener (RFC 8252 §7.3), on a random port.
function loopbackListener() {
  let received;
  const arrived = new Promise((ok) => { received = ok; });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://${req.headers.host}`);
    if (url.pathname !== '/callback') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>You can close this window.</h1>');
    received(url);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, arrived, port: server.address().port })));
}

const config = await client.discovery(new URL(issuer), 'native', undefined, client.None(),
  { execute: [client.allowInsecureRequests] });
const listener = await loopbackListener();
const redirectUri = `http://127.0.0.1:${listener.port}/callback`;
const verifier = client.randomPKCECodeVerifier();
const state = client.randomState();
const authorizationUrl = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri, scope: 'openid profile email', state,
  code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
});

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(authorizationUrl.href);
  await page.fill('#username', 'alice');
  await page.fill('#password', process.env.PASSWORD);
  await Promise.all([page.waitForURL(new RegExp(`127\\.0\\.0\\.1:${listener.port}/callback`)),
    page.click('button[type=submit]')]);
  if (shots) await page.screenshot({ path: path.join(shots, 'native-callback.png') });
  const callback = await listener.arrived;

  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true,
  });
  const claims = tokens.claims();
  check(claims.aud === 'native' && claims.iss === issuer, `ID token ${JSON.stringify(claims)}`);
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  check(info.preferred_username === 'alice', `userinfo ${JSON.stringify(info)}`);
  check(tokens.refresh_token, 'a native app with the refresh grant gets a refresh token');
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  check(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, 'refresh tokens rotate');
  console.log(`native app OK: loopback port ${listener.port}, sub = ${claims.sub}, refresh rotated`);

  // Pushed (RFC 9126): openid-client posts the request to /par and the
  // browser carries only client_id and request_uri; the SSO session
  // answers at once.
  const pushedListener = await loopbackListener();
  const pushedVerifier = client.randomPKCECodeVerifier();
  const pushedUrl = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: `http://127.0.0.1:${pushedListener.port}/callback`, scope: 'openid', state: 'pushed',
    code_challenge: await client.calculatePKCECodeChallenge(pushedVerifier), code_challenge_method: 'S256',
  });
  check([...pushedUrl.searchParams.keys()].sort().join(' ') === 'client_id request_uri', `PAR URL ${pushedUrl}`);
  await page.goto(pushedUrl.href);
  const pushedCallback = await pushedListener.arrived;
  const pushedTokens = await client.authorizationCodeGrant(config, pushedCallback, {
    pkceCodeVerifier: pushedVerifier, expectedState: 'pushed', idTokenExpected: true,
  });
  check(pushedTokens.claims().sub === claims.sub, 'the pushed request signs the same user in');
  pushedListener.server.close();
  console.log('native app with a pushed authorization request OK');

  // DPoP (RFC 9449): openid-client proves a key it made at /token (retrying
  // with the server's nonce on its own) and at UserInfo; the tokens are
  // bound to the key, so without it the refresh token is refused.
  check(config.serverMetadata().dpop_signing_alg_values_supported?.includes('ES256'), 'discovery lists DPoP');
  const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair());
  const dpopListener = await loopbackListener();
  const dpopVerifier = client.randomPKCECodeVerifier();
  await page.goto(client.buildAuthorizationUrl(config, {
    redirect_uri: `http://127.0.0.1:${dpopListener.port}/callback`, scope: 'openid profile', state: 'dpop',
    code_challenge: await client.calculatePKCECodeChallenge(dpopVerifier), code_challenge_method: 'S256',
  }).href);
  const dpopTokens = await client.authorizationCodeGrant(config, await dpopListener.arrived, {
    pkceCodeVerifier: dpopVerifier, expectedState: 'dpop', idTokenExpected: true,
  }, undefined, { DPoP: dpop });
  check(dpopTokens.token_type === 'dpop', `token_type ${dpopTokens.token_type}`);
  const dpopInfo = await client.fetchUserInfo(config, dpopTokens.access_token, claims.sub, { DPoP: dpop });
  check(dpopInfo.preferred_username === 'alice', `DPoP userinfo ${JSON.stringify(dpopInfo)}`);
  let unbound;
  try { await client.refreshTokenGrant(config, dpopTokens.refresh_token); } catch (e) { unbound = e; }
  check(unbound?.error === 'invalid_dpop_proof', `refresh without the key: ${unbound}`);
  const dpopRefreshed = await client.refreshTokenGrant(config, dpopTokens.refresh_token, undefined, { DPoP: dpop });
  check(dpopRefreshed.token_type === 'dpop', 'the refreshed token is bound too');
  dpopListener.server.close();
  console.log('native app with DPoP-bound tokens OK (token, userinfo, refresh)');

  // Without PKCE the request goes back with invalid_request, never a code.
  const second = await loopbackListener();
  const noPkce = client.buildAuthorizationUrl(config, {
    redirect_uri: `http://127.0.0.1:${second.port}/callback`, scope: 'openid', state: 's2',
  });
  await page.goto(noPkce.href);
  const refused = await second.arrived;
  check(refused.searchParams.get('error') === 'invalid_request' && !refused.searchParams.get('code'),
    `no PKCE: ${refused}`);
  console.log('native app without PKCE refused OK');
  second.server.close();
} finally {
  listener.server.close();
  await browser.close();
}
