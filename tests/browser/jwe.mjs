// Encrypted responses (OpenID Connect Core §10.2, §5.3.2) decrypted by
// openid-client with the app's own private key: the web app "sealed"
// registered an RSA key (use enc) and asked for ID tokens encrypted with
// RSA-OAEP-256 + A256GCM and UserInfo signed with RS256, then encrypted.
// alice signs in through a real headless Chromium; openid-client decrypts
// the ID token, verifies the inner signature with the server's JWKS and the
// nonce, refreshes (the new ID token is encrypted too) and reads UserInfo
// (application/jwt, decrypted and verified).
// Usage: see run.sh (it makes the key and registers the client `sealed`).
import { chromium } from 'playwright-core';
import * as client from 'openid-client';
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const issuer = process.env.ISSUER;
const redirectUri = 'http://127.0.0.1:9013/cb';

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const privateJwk = JSON.parse(readFileSync(process.env.JWE_PRIVATE_JWK, 'utf8'));
const decryptionKey = {
  kid: privateJwk.kid,
  key: await webcrypto.subtle.importKey('jwk', privateJwk, { name: 'RSA-OAEP', hash: 'SHA-256' }, false,
    ['decrypt', 'unwrapKey']),
};
const config = await client.discovery(new URL(issuer), 'sealed',
  { client_secret: process.env.SEALED_SECRET, userinfo_signed_response_alg: 'RS256' }, undefined,
  { execute: [client.allowInsecureRequests] });
const metadata = config.serverMetadata();
check(metadata.id_token_encryption_alg_values_supported?.includes('RSA-OAEP-256'), 'discovery: JWE algorithms');
check(metadata.userinfo_encryption_enc_values_supported?.includes('A128CBC-HS256'), 'discovery: JWE encodings');
client.enableDecryptingResponses(config, ['A256GCM', 'A128CBC-HS256'], decryptionKey);

const hits = [];
const callbackServer = http.createServer((req, res) => {
  const url = new URL(req.url, redirectUri);
  if (url.pathname !== '/cb') return res.writeHead(404).end();
  hits.push(url);
  res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Signed in</h1>');
});
await new Promise((ok) => callbackServer.listen(9013, '127.0.0.1', ok));

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
try {
  const verifier = client.randomPKCECodeVerifier();
  const [state, nonce] = [client.randomState(), client.randomNonce()];
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid profile email', state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const page = await (await browser.newContext()).newPage();
  await page.goto(url.href);
  await page.fill('#username', 'alice');
  await page.fill('#password', process.env.PASSWORD);
  await Promise.all([page.waitForURL(/127\.0\.0\.1:9013\/cb/), page.click('button[type=submit]')]);
  const tokens = await client.authorizationCodeGrant(config, new URL(page.url()),
    { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  check(tokens.id_token.split('.').length === 5, 'the ID token is a compact JWE');
  const header = JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url'));
  check(header.alg === 'RSA-OAEP-256' && header.enc === 'A256GCM' && header.cty === 'JWT', JSON.stringify(header));
  check(header.kid === privateJwk.kid, `kid ${header.kid}`);
  const inner = client.getDecryptedResponses(tokens)?.id_token?.token_endpoint;
  check(inner?.split('.').length === 3, 'openid-client kept the inner signed ID token');
  const claims = tokens.claims();
  check(claims.nonce === nonce && claims.aud === 'sealed' && claims.email === 'alice@example.com',
    `ID token claims ${JSON.stringify(claims)}`);
  console.log('encrypted ID token: decrypted and verified by openid-client (sub', claims.sub + ')');

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  check(refreshed.id_token.split('.').length === 5, 'the refreshed ID token is encrypted too');
  check(refreshed.claims().sub === claims.sub, 'same sub after refresh');

  const info = await client.fetchUserInfo(config, refreshed.access_token, claims.sub);
  check(info.sub === claims.sub && info.email === 'alice@example.com', `userinfo ${JSON.stringify(info)}`);
  check(info.iss === issuer && info.aud === 'sealed', `signed userinfo names iss and aud: ${JSON.stringify(info)}`);
  check(client.getDecryptedResponses(info)?.split('.').length === 3, 'UserInfo was an encrypted signed JWT');
  console.log('UserInfo: signed then encrypted, decrypted and verified by openid-client');
} finally {
  await browser.close();
  callbackServer.close();
}
