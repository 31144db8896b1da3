// Signed request objects (RFC 9101) with openid-client in a real headless
// Chromium: a confidential web app signs its authorization request with its
// own ES256 key (the public half registered with --jwks-file), sends it by
// value through the browser, then pushes one to /par (RFC 9126 §3); both
// sign alice in and the code is exchanged; one more is also encrypted to
// the server with jose (RFC 9101 §6.1) before it is pushed. A request whose signature the
// browser altered gets the error page, never a redirect.
// Usage: see run.sh (it registers the client `signer` and makes the key).
import { chromium } from 'playwright-core';
import * as client from 'openid-client';
import { CompactEncrypt, importJWK } from 'jose';
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const issuer = process.env.ISSUER;
const shots = process.env.SCREENSHOT_DIR;
const redirectUri = 'http://127.0.0.1:9012/cb';

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const privateJwk = JSON.parse(readFileSync(process.env.JAR_PRIVATE_JWK, 'utf8'));
const signingKey = {
  kid: privateJwk.kid,
  key: await webcrypto.subtle.importKey('jwk', privateJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']),
};
const config = await client.discovery(new URL(issuer), 'signer', process.env.SIGNER_SECRET, undefined,
  { execute: [client.allowInsecureRequests] });
check(config.serverMetadata().request_parameter_supported === true, 'discovery: request_parameter_supported');

async function request(state, verifier) {
  return {
    redirect_uri: redirectUri, scope: 'openid profile', state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  };
}

// The app's callback: records where the browser came back to.
const hits = [];
const callbackServer = http.createServer((req, res) => {
  const url = new URL(req.url, redirectUri);
  if (url.pathname !== '/cb') return res.writeHead(404).end(); // the browser's favicon.ico
  hits.push(url);
  res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Signed in</h1>');
});
await new Promise((ok) => callbackServer.listen(9012, '127.0.0.1', ok));

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
try {
  const page = await (await browser.newContext()).newPage();
  // By value: the browser carries client_id and request only.
  const verifier = client.randomPKCECodeVerifier();
  const signedUrl = await client.buildAuthorizationUrlWithJAR(config, await request('jar', verifier), signingKey);
  check([...signedUrl.searchParams.keys()].sort().join(' ') === 'client_id request', `JAR URL ${signedUrl}`);

  // The same object with one character of its signature changed.
  const forged = new URL(signedUrl);
  const jws = forged.searchParams.get('request');
  forged.searchParams.set('request', jws.slice(0, -2) + (jws.at(-2) === 'A' ? 'B' : 'A') + jws.at(-1));
  const refused = await page.goto(forged.href);
  check(refused.status() === 400 && new URL(page.url()).host !== '127.0.0.1:9012', `forged: ${refused.status()}`);
  check((await page.content()).includes('invalid_request_object'), 'the error page names invalid_request_object');
  if (shots) await page.screenshot({ path: path.join(shots, 'jar-refused.png') });

  await page.goto(signedUrl.href);
  await page.fill('#username', 'alice');
  await page.fill('#password', process.env.PASSWORD);
  await Promise.all([page.waitForURL(/127\.0\.0\.1:9012\/cb/), page.click('button[type=submit]')]);
  const tokens = await client.authorizationCodeGrant(config, hits.at(-1), {
    pkceCodeVerifier: verifier, expectedState: 'jar', idTokenExpected: true,
  });
  check(tokens.claims().aud === 'signer', `ID token ${JSON.stringify(tokens.claims())}`);
  console.log('signed request object (JAR) by value OK');

  // Pushed: the signed object goes to /par, the browser gets a request_uri.
  const pushedVerifier = client.randomPKCECodeVerifier();
  const { searchParams } = await client.buildAuthorizationUrlWithJAR(config,
    await request('jar-pushed', pushedVerifier), signingKey);
  const pushedUrl = await client.buildAuthorizationUrlWithPAR(config, searchParams);
  check([...pushedUrl.searchParams.keys()].sort().join(' ') === 'client_id request_uri', `PAR URL ${pushedUrl}`);
  await page.goto(pushedUrl.href);
  check(new URL(page.url()).host === '127.0.0.1:9012', `pushed: landed on ${page.url()}`);
  const pushedTokens = await client.authorizationCodeGrant(config, hits.at(-1), {
    pkceCodeVerifier: pushedVerifier, expectedState: 'jar-pushed', idTokenExpected: true,
  });
  check(pushedTokens.claims().sub === tokens.claims().sub, 'the pushed signed request signs the same user in');
  console.log('signed request object pushed to /par OK');

  // Signed, then encrypted to the server (RFC 9101 §6.1) with jose's
  // CompactEncrypt to the JWKS key with "use":"enc", pushed to /par.
  const serverKeys = await (await fetch(new URL(`${issuer}/.well-known/jwks.json`))).json();
  const encJwk = serverKeys.keys.find((k) => k.use === 'enc');
  const algs = config.serverMetadata().request_object_encryption_alg_values_supported;
  check(encJwk && algs?.includes('ECDH-ES+A256KW'), 'discovery and JWKS: request object encryption');
  const sealedVerifier = client.randomPKCECodeVerifier();
  const { searchParams: signedParams } = await client.buildAuthorizationUrlWithJAR(config,
    await request('jar-sealed', sealedVerifier), signingKey);
  const sealed = await new CompactEncrypt(new TextEncoder().encode(signedParams.get('request')))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: encJwk.kid })
    .encrypt(await importJWK(encJwk, 'ECDH-ES+A256KW'));
  signedParams.set('request', sealed);
  const sealedUrl = await client.buildAuthorizationUrlWithPAR(config, signedParams);
  await page.goto(sealedUrl.href);
  check(new URL(page.url()).host === '127.0.0.1:9012', `encrypted: landed on ${page.url()}`);
  const sealedTokens = await client.authorizationCodeGrant(config, hits.at(-1), {
    pkceCodeVerifier: sealedVerifier, expectedState: 'jar-sealed', idTokenExpected: true,
  });
  check(sealedTokens.claims().sub === tokens.claims().sub, 'the encrypted request signs the same user in');
  console.log('signed and encrypted request object (jose CompactEncrypt) pushed to /par OK');
} finally {
  callbackServer.close();
  await browser.close();
}
