// The Device Authorization Grant (RFC 8628) with independent code on both
// sides: openid-client as the device (a CLI/TV app with a public client)
// starts the flow and polls; a real Chromium plays the user on the
// /device page: once opening verification_uri_complete (confirm, log in,
// allow), once typing the code at verification_uri (a wrong code first),
// once denying. Screenshots of every page at desktop and phone width.
// Usage: see run.sh (client `tv`: device_code + refresh_token, public).
import { chromium } from 'playwright-core';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import path from 'node:path';

const issuer = process.env.ISSUER;
const password = process.env.PASSWORD;
const shots = process.env.SCREENSHOT_DIR || '.';
const check = (ok, what) => { if (!ok) throw new Error(`FAILED: ${what}`); };

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(shots, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 800, height: 900 });
}

const config = await client.discovery(new URL(issuer), 'tv', undefined, client.None(),
  { execute: [client.allowInsecureRequests] });
const meta = config.serverMetadata();
check(meta.device_authorization_endpoint === `${issuer}/device_authorization`, 'device_authorization_endpoint');
check(meta.grant_types_supported.includes('urn:ietf:params:oauth:grant-type:device_code'), 'grant advertised');
const jwks = createRemoteJWKSet(new URL(meta.jwks_uri));

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
const newPage = async () => (await browser.newContext({ viewport: { width: 800, height: 900 } })).newPage();

async function logIn(page) {
  await page.waitForSelector('#password');
  await page.fill('#username', 'alice');
  await page.fill('#password', password);
  await page.click('button[type=submit]');
}

async function verified(tokens) {
  check(tokens.access_token && tokens.refresh_token && tokens.id_token, 'access, refresh and ID tokens');
  const { payload } = await jwtVerify(tokens.id_token, jwks, { issuer, audience: 'tv' });
  check(payload.preferred_username === 'alice' && payload.sid, 'ID token of alice, bound to a session');
  return payload;
}

// 1. The device shows a QR code / link: the user opens verification_uri_complete.
const first = await client.initiateDeviceAuthorization(config, { scope: 'openid profile' });
check(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/.test(first.user_code), `user code ${first.user_code}`);
check(first.verification_uri === `${issuer}/device` && first.interval === 5, 'verification_uri and interval');
const polling = client.pollDeviceAuthorizationGrant(config, first);
const page = await newPage();
await page.goto(first.verification_uri_complete);
check(await page.inputValue('#user_code') === first.user_code, 'the code is prefilled');
check((await page.textContent('main')).includes('Check that this code'), 'the user is asked to confirm');
await shot(page, 'device-confirm');
await page.click('button[type=submit]');
await logIn(page);
await page.waitForSelector('text=Allow this device?');
check((await page.textContent('main')).includes(first.user_code), 'the approval page shows the code');
check((await page.textContent('main')).includes('Living Room TV'), 'the approval page names the client');
await shot(page, 'device-approve');
await page.click('button[value=allow]');
await page.waitForSelector('text=Device connected');
await shot(page, 'device-done');
const tokens = await polling;
const claims = await verified(tokens);
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
check(refreshed.access_token && refreshed.refresh_token !== tokens.refresh_token, 'refresh rotates');
console.log('device flow via verification_uri_complete OK, sub =', claims.sub);

// 2. A fresh browser: the user types the code at verification_uri, a wrong one first.
const second = await client.initiateDeviceAuthorization(config, { scope: 'openid profile' });
const polling2 = client.pollDeviceAuthorizationGrant(config, second);
const typing = await newPage();
await typing.goto(second.verification_uri);
await shot(typing, 'device-enter');
await typing.fill('#user_code', second.user_code === 'BBBB-BBBB' ? 'CCCC-CCCC' : 'BBBB-BBBB');
await typing.click('button[type=submit]');
await typing.waitForSelector('.alert');
await shot(typing, 'device-wrong-code');
await typing.fill('#user_code', second.user_code.toLowerCase().replace('-', ''));
await typing.click('button[type=submit]');
await logIn(typing);
await typing.waitForSelector('text=Allow this device?');
await typing.click('button[value=allow]');
await typing.waitForSelector('text=Device connected');
const claims2 = await verified(await polling2);
check(claims2.sub === claims.sub, 'same user');
console.log('device flow via verification_uri (typed code) OK');

// 3. Signed in already: straight to the question; the user denies.
const third = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
const polling3 = client.pollDeviceAuthorizationGrant(config, third);
await typing.goto(third.verification_uri);
await typing.fill('#user_code', third.user_code);
await typing.click('button[type=submit]');
await typing.waitForSelector('text=Allow this device?');
await typing.click('button[value=deny]');
await typing.waitForSelector('text=Device not connected');
await shot(typing, 'device-denied');
const denied = await polling3.then(() => null, (e) => e);
check(denied && denied.error === 'access_denied', `access_denied for the device, got ${denied}`);
console.log('denial reaches the device as access_denied');

await browser.close();
console.log(`DEVICE CHECK PASSED; screenshots in ${shots}`);
