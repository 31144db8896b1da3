// An API as a resource server, with libraries nobody on this project wrote:
//   the web app "shop" (openid-client) logs alice in through a real headless
//   Chromium, asking for resource=ORDERS (RFC 8707) and its scope
//   read:orders; the Orders API, a small HTTP server built on `jose`
//   (createRemoteJWKSet + jwtVerify with its own identifier as audience, the
//   issuer, typ at+jwt, RFC 9068 §4), accepts the user's access token and
//   introspects it with its own credentials (RFC 7662, HTTP Basic with its
//   identifier form-urlencoded): active. A token for another API is refused
//   by jwtVerify and introspects as inactive for the Orders API. The Orders
//   API's service then exchanges the user's token (RFC 8693) for one to the
//   other API, verified by jose like the first.
// Usage: see run.sh (it registers the APIs and clients and passes the env below).
import { chromium } from 'playwright-core';
import * as client from 'openid-client';
import { compactDecrypt, createRemoteJWKSet, importJWK, jwtVerify } from 'jose';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const issuer = process.env.ISSUER;
const ORDERS = process.env.ORDERS_API;
const OTHER = process.env.OTHER_API;
const shots = process.env.SCREENSHOT_DIR;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// The Orders API: GET /orders with a Bearer token verified locally.
const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
async function verify(token) {
  return jwtVerify(token, jwks, { issuer, audience: ORDERS, typ: 'at+jwt' });
}
const api = http.createServer(async (req, res) => {
  const token = (req.headers.authorization || '').replace(/^Bearer /, '');
  try {
    const { payload } = await verify(token);
    if (!payload.scope?.split(' ').includes('read:orders')) throw new Error('scope read:orders missing');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ orders: [], for: payload.sub }));
  } catch (e) {
    res.writeHead(401, { 'www-authenticate': `Bearer error="invalid_token"` }).end(String(e.code || e.message));
  }
});
await new Promise((ok) => api.listen(9010, '127.0.0.1', ok));

// RFC 7662 as the Orders API: Basic with its identifier (form-urlencoded) and secret.
async function introspect(token) {
  const id = encodeURIComponent(ORDERS);
  const basic = Buffer.from(`${id}:${encodeURIComponent(process.env.ORDERS_SECRET)}`).toString('base64');
  const res = await fetch(`${issuer}/introspect`, {
    method: 'POST', body: new URLSearchParams({ token }), headers: { authorization: `Basic ${basic}` },
  });
  check(res.status === 200, `introspection answered ${res.status}`);
  return res.json();
}

// The shop's callback.
const callbacks = [];
const shop = http.createServer((req, res) => {
  callbacks.push(new URL(req.url, 'http://127.0.0.1:9011'));
  res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>shop</h1>');
});
await new Promise((ok) => shop.listen(9011, '127.0.0.1', ok));

const rp = await client.discovery(new URL(issuer), 'shop', process.env.SHOP_SECRET, undefined,
  { execute: [client.allowInsecureRequests] });
const verifier = client.randomPKCECodeVerifier();
const [state, nonce] = [client.randomState(), client.randomNonce()];
const url = client.buildAuthorizationUrl(rp, {
  redirect_uri: 'http://127.0.0.1:9011/cb', scope: 'openid profile read:orders', state, nonce, resource: ORDERS,
  code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
});

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
const page = await (await browser.newContext({ viewport: { width: 800, height: 900 } })).newPage();
await page.goto(url.href);
await page.screenshot({ path: path.join(shots, 'api-login.png'), fullPage: true });
await page.fill('#username', 'alice');
await page.fill('#password', process.env.PASSWORD);
await Promise.all([page.waitForURL(/127\.0\.0\.1:9011\/cb/), page.click('button[type=submit]')]);
const tokens = await client.authorizationCodeGrant(rp, new URL(page.url()),
  { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
await browser.close();
check(tokens.scope.split(' ').includes('read:orders'), `granted scope: ${tokens.scope}`);

// 1. The API accepts the user's token: audience, issuer, typ and signature check out.
const { payload } = await verify(tokens.access_token);
check(payload.aud.includes(ORDERS) && payload.sub === tokens.claims().sub, 'aud and sub');
const res = await fetch('http://127.0.0.1:9010/orders', { headers: { authorization: `Bearer ${tokens.access_token}` } });
check(res.status === 200, `the API answered ${res.status}: ${await res.text()}`);
console.log('the API verified the user access token (aud', JSON.stringify(payload.aud) + ')');
const info = await introspect(tokens.access_token);
check(info.active === true && info.sub === payload.sub && info.client_id === 'shop', JSON.stringify(info));
check(info.aud.includes(ORDERS), 'introspection names the audience');
// The same token still serves UserInfo (openid was granted).
const ui = await client.fetchUserInfo(rp, tokens.access_token, payload.sub);
check(ui.sub === payload.sub, 'userinfo');
console.log('introspection by the API: active; userinfo OK');

// 2. A token for another API is refused by jwtVerify and is inactive for this API.
const svc = await fetch(`${issuer}/token`, {
  method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', resource: OTHER }),
  headers: { authorization: 'Basic ' + Buffer.from(`svc:${process.env.SVC_SECRET}`).toString('base64') },
});
const other = (await svc.json()).access_token;
check(svc.status === 200 && other, 'client credentials token for the other API');
let refused = null;
try { await verify(other); } catch (e) { refused = e; }
check(refused?.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && refused.claim === 'aud', `jwtVerify: ${refused}`);
const denied = await fetch('http://127.0.0.1:9010/orders', { headers: { authorization: `Bearer ${other}` } });
check(denied.status === 401, `the API accepted a token for another API (${denied.status})`);
const otherInfo = await introspect(other);
check(JSON.stringify(otherInfo) === '{"active":false}', `introspection: ${JSON.stringify(otherInfo)}`);
console.log('a token for another API: refused by jwtVerify, inactive at introspection');

// 3. Token exchange (RFC 8693) through openid-client's genericGrantRequest:
//    the Orders API's own service trades the user's token (meant for it) for
//    one to call the other API on the user's behalf, naming itself as actor.
const ordersSvc = await client.discovery(new URL(issuer), 'orders-svc', process.env.ORDERS_SVC_SECRET, undefined,
  { execute: [client.allowInsecureRequests] });
const own = await client.clientCredentialsGrant(ordersSvc, {});
const exchanged = await client.genericGrantRequest(ordersSvc, 'urn:ietf:params:oauth:grant-type:token-exchange', {
  subject_token: tokens.access_token,
  subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  actor_token: own.access_token,
  actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  resource: OTHER,
});
check(exchanged.issued_token_type === 'urn:ietf:params:oauth:token-type:access_token', JSON.stringify(exchanged));
const { payload: onward } = await jwtVerify(exchanged.access_token, jwks, { issuer, audience: OTHER, typ: 'at+jwt' });
check(onward.sub === payload.sub && onward.client_id === 'orders-svc', `exchanged: ${JSON.stringify(onward)}`);
check(onward.act?.sub === 'orders-svc' && !onward.aud.includes(ORDERS), `act and aud: ${JSON.stringify(onward)}`);
check(onward.exp <= payload.exp, 'the exchanged token does not outlive the user token');
console.log('token exchange: a token for the other API, for the same user, act', JSON.stringify(onward.act));

// 4. An API whose tokens are encrypted to its own key (JWE): the client gets
//    an opaque string; the API decrypts it with jose and verifies the
//    RFC 9068 token inside like any other.
const VAULT = process.env.VAULT_API;
const sealedResp = await fetch(`${issuer}/token`, {
  method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', resource: VAULT }),
  headers: { authorization: 'Basic ' + Buffer.from(`svc:${process.env.SVC_SECRET}`).toString('base64') },
});
const sealed = (await sealedResp.json()).access_token;
check(sealedResp.status === 200 && sealed.split('.').length === 5, `a JWE for the vault API (${sealedResp.status})`);
const vaultKey = await importJWK(JSON.parse(readFileSync(process.env.VAULT_PRIVATE_JWK, 'utf8')), 'RSA-OAEP-256');
const { plaintext, protectedHeader } = await compactDecrypt(sealed, vaultKey);
check(protectedHeader.cty === 'JWT' && protectedHeader.enc === 'A256GCM', JSON.stringify(protectedHeader));
const { payload: vaultClaims } = await jwtVerify(new TextDecoder().decode(plaintext), jwks,
  { issuer, audience: VAULT, typ: 'at+jwt' });
check(vaultClaims.client_id === 'svc', JSON.stringify(vaultClaims));
console.log('an encrypted token for the vault API: decrypted and verified by jose');

api.close();
shop.close();
