#!/usr/bin/env bash
# Real-browser checks (Debian's chromium + playwright-core) with independent
# client code: sso.mjs (login, code, tokens, userinfo, SSO) and logout.mjs
# (openid-client as the relying party of two apps: SSO, consent, the account
# page, RP-initiated logout, back- and front-channel logout, login_required
# and invalid_grant afterwards), spa.mjs (an oidc-client-ts SPA on its own
# origin: login, tokens via CORS, userinfo, refresh, revoke; another origin
# blocked), native.mjs (a native app on a random loopback port, RFC 8252),
# jwe.mjs (openid-client decrypts an encrypted ID token and UserInfo with the
# app's own key, OIDC Core §10.2),
# api.mjs (a resource server built on jose verifies an audience-restricted
# user token and introspects it) and device.mjs (openid-client as a device
# app, RFC 8628, the /device page in the browser) and console.mjs (the admin
# console: sign in through oxidp as a member of oxidp-admins, create a client
# with the form, see it listed; screenshots at desktop and phone width) and
# pages.mjs (every page at 1280/390/320 px, light and dark, English and
# German, screenshots; focus after a failed password, no sideways scrolling)
# and accounts.mjs (two-step verification set up on the account page, a
# sign-in with password and code, a password reset through the mailed link
# read from the server log, a recovery code) and passkeys.mjs (a new user
# registers, confirms the address through the mailed link, adds a passkey
# with a CDP virtual authenticator and signs in with it alone and as a
# second factor; on a second server whose issuer is http://localhost:PORT,
# since WebAuthn needs a domain name, with self-registration on).
# .ci/run runs this after `cargo test`.
#   Needs: apt-get install -y chromium; node 20 (npm ci runs here if needed).
#   OXIDP_BIN=path/to/oxidp to test a given binary (default: a release build).
#   SCREENSHOT_DIR=dir keeps the screenshots of every page (default: a temp dir).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [[ -z "${OXIDP_BIN:-}" ]]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
  (cd "$root" && cargo build --release -q)
  OXIDP_BIN="$CARGO_TARGET_DIR/release/oxidp"
fi
[[ -x /usr/bin/chromium ]] || { echo "FATAL: /usr/bin/chromium missing (apt-get install -y chromium)" >&2; exit 1; }
[[ -d "$here/node_modules/openid-client" && -d "$here/node_modules/oidc-client-ts" ]] ||
  (cd "$here" && npm ci --no-audit --no-fund --silent)

work="$(mktemp -d)"
shots="${SCREENSHOT_DIR:-$work/screenshots}"
mkdir -p "$shots"
trap 'kill "${pid:-0}" "${pk_pid:-0}" 2>/dev/null || true; [[ -n "${SCREENSHOT_DIR:-}" ]] || rm -rf "$work"; rm -rf "$work/data" "$work/keys" "$work/passkeys"' EXIT
cd "$work"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export OXIDP__SERVER__BIND="127.0.0.1:$port" OXIDP__ISSUER="http://127.0.0.1:$port"
bin="$OXIDP_BIN"
echo 'correct horse battery staple' | "$bin" user create --username alice --email alice@example.com --name "Alice Example" >/dev/null
secret() { "$bin" client create --json "$@" | python3 -c 'import json, sys; print(json.load(sys.stdin)["client_secret"])'; }
APP1_SECRET=$(secret --client-id app1 --name "App One" --redirect-uri http://127.0.0.1:9000/cb \
  --post-logout-redirect-uri http://127.0.0.1:9000/bye --grant-type authorization_code --grant-type refresh_token \
  --backchannel-logout-uri http://127.0.0.1:9000/backchannel)
APP2_SECRET=$(secret --client-id app2 --name "App Two" --redirect-uri http://127.0.0.1:9001/cb \
  --grant-type authorization_code --grant-type refresh_token \
  --backchannel-logout-uri http://127.0.0.1:9001/backchannel --backchannel-logout-session-required \
  --frontchannel-logout-uri http://127.0.0.1:9001/frontchannel --frontchannel-logout-session-required)
# The SPA's origin must be known when its client is registered.
spa_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" client create --client-id spa --name "Example SPA" --public --redirect-uri "http://127.0.0.1:$spa_port/callback.html" \
  --grant-type authorization_code --grant-type refresh_token >/dev/null
"$bin" client create --client-id tv --name "Living Room TV" --public \
  --grant-type urn:ietf:params:oauth:grant-type:device_code --grant-type refresh_token >/dev/null
GALLERY_SECRET=$(secret --client-id gallery --name "Photo Gallery" --consent required --redirect-uri http://127.0.0.1:9002/cb)
# A native app: public, loopback redirect URI without a port (RFC 8252 §7.3).
"$bin" client create --client-id native --name "Desktop Notes" --public --redirect-uri http://127.0.0.1/callback \
  --grant-type authorization_code --grant-type refresh_token >/dev/null
# api.mjs: two APIs (RFC 8707 resources), a web app for one, a service for the other,
# and the first API's own service, which exchanges users' tokens for the other (RFC 8693).
ORDERS_API=https://orders.api.example OTHER_API=https://other.api.example
api_secret() { "$bin" resource create --json "$@" | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])'; }
ORDERS_SECRET=$(api_secret --identifier "$ORDERS_API" --scope read:orders)
api_secret --identifier "$OTHER_API" >/dev/null
# A third API whose tokens are encrypted to its own RSA key (JWE), readable by it alone.
VAULT_API=https://vault.api.example
node -e '
  const { generateKeyPairSync } = require("node:crypto"); const fs = require("node:fs");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  fs.writeFileSync("vault-private.json", JSON.stringify({ ...privateKey.export({ format: "jwk" }), kid: "vault-enc" }));
  fs.writeFileSync("vault-jwks.json", JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: "vault-enc", use: "enc" }] }));'
"$bin" resource create --identifier "$VAULT_API" --jwks-file vault-jwks.json \
  --access-token-encrypted-response-alg RSA-OAEP-256 --access-token-encrypted-response-enc A256GCM >/dev/null
SHOP_SECRET=$(secret --client-id shop --name "Shop" --redirect-uri http://127.0.0.1:9011/cb \
  --scope openid --scope profile --scope read:orders --resource "$ORDERS_API")
SVC_SECRET=$(secret --client-id svc --grant-type client_credentials --scope jobs --resource "$OTHER_API" \
  --resource "$VAULT_API")
ORDERS_SVC_SECRET=$(secret --client-id orders-svc --grant-type client_credentials --token-exchange allow \
  --token-exchange-from "$ORDERS_API" --resource "$OTHER_API" --scope openid --scope profile)
# jar.mjs: a web app that signs its requests (RFC 9101) with an ES256 key made here.
node -e '
  const { generateKeyPairSync } = require("node:crypto"); const fs = require("node:fs");
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = "signer-1";
  fs.writeFileSync("jar-private.json", JSON.stringify({ ...privateKey.export({ format: "jwk" }), kid }));
  fs.writeFileSync("jar-jwks.json", JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "ES256" }] }));'
SIGNER_SECRET=$(secret --client-id signer --name "Signed Requests" --redirect-uri http://127.0.0.1:9012/cb \
  --jwks-file jar-jwks.json --require-signed-request-object)
# jwe.mjs: a web app whose ID tokens and UserInfo are encrypted to its RSA key (use enc).
node -e '
  const { generateKeyPairSync } = require("node:crypto"); const fs = require("node:fs");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = "sealed-enc-1";
  fs.writeFileSync("jwe-private.json", JSON.stringify({ ...privateKey.export({ format: "jwk" }), kid, alg: "RSA-OAEP-256" }));
  fs.writeFileSync("jwe-jwks.json", JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid, use: "enc", alg: "RSA-OAEP-256" }] }));'
SEALED_SECRET=$(secret --client-id sealed --name "Sealed Notes" --redirect-uri http://127.0.0.1:9013/cb \
  --grant-type authorization_code --grant-type refresh_token --jwks-file jwe-jwks.json \
  --id-token-encrypted-response-alg RSA-OAEP-256 --id-token-encrypted-response-enc A256GCM \
  --userinfo-signed-response-alg RS256 --userinfo-encrypted-response-alg RSA-OAEP-256)
# pages.mjs: an app with a logo on its own loopback origin, asking consent.
logo_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" client create --client-id studio --name "Photo Studio" --consent required --redirect-uri http://127.0.0.1:9003/cb \
  --logo-uri "http://127.0.0.1:$logo_port/logo.svg" >/dev/null
# console.mjs: an administrator of the console (a member of oxidp-admins).
echo 'correct horse battery staple' | "$bin" user create --username root --email root@example.com --name "Root Admin" >/dev/null
"$bin" group create --name oxidp-admins --description "Administrators of oxidp" >/dev/null
"$bin" group add-member --group oxidp-admins --username root >/dev/null
# accounts.mjs: a user who sets up TOTP, forgets the password and recovers it.
echo 'correct horse battery staple' | "$bin" user create --username carol --email carol@example.com --name "Carol Example" >/dev/null 2>&1
"$bin" serve >server.log 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "$OXIDP__ISSUER/healthz" >/dev/null && break; sleep 0.1; done

# passkeys.mjs: its own server (own data and keys) on http://localhost:PORT.
pk_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/passkeys"
NOTES_SECRET=$(cd "$work/passkeys" && export OXIDP__SERVER__BIND="127.0.0.1:$pk_port" OXIDP__ISSUER="http://localhost:$pk_port" \
  && "$bin" client create --client-id vault --name "Family Vault" --require-mfa --redirect-uri http://127.0.0.1:9004/cb >/dev/null \
  && secret --client-id notes --name "Team Notes" --redirect-uri http://127.0.0.1:9004/cb)
(cd "$work/passkeys" && OXIDP__SERVER__BIND="127.0.0.1:$pk_port" OXIDP__ISSUER="http://localhost:$pk_port" \
  OXIDP__ACCOUNTS__REGISTRATION=true exec "$bin" serve >server.log 2>&1) &
pk_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$pk_port/healthz" >/dev/null && break; sleep 0.1; done
export PASSKEY_ISSUER="http://localhost:$pk_port" PASSKEY_TOKEN_URL="http://127.0.0.1:$pk_port/token" NOTES_SECRET
export PASSKEY_SERVER_LOG="$work/passkeys/server.log"

export ISSUER=$OXIDP__ISSUER SPA_PORT=$spa_port APP1_SECRET APP2_SECRET GALLERY_SECRET PASSWORD='correct horse battery staple'
export VAULT_API VAULT_PRIVATE_JWK="$work/vault-private.json"
export ORDERS_API OTHER_API ORDERS_SECRET SHOP_SECRET SVC_SECRET ORDERS_SVC_SECRET LOGO_PORT=$logo_port
export SIGNER_SECRET JAR_PRIVATE_JWK="$work/jar-private.json" SEALED_SECRET JWE_PRIVATE_JWK="$work/jwe-private.json"
export SCREENSHOT="$shots/sso-login.png" SCREENSHOT_DIR="$shots" NODE_PATH="$here/node_modules" SERVER_LOG="$work/server.log"
status=0
node "$here/sso.mjs" && node "$here/logout.mjs" && node "$here/spa.mjs" && node "$here/native.mjs" \
  && node "$here/jar.mjs" && node "$here/jwe.mjs" && node "$here/api.mjs" && node "$here/device.mjs" && ADMIN_USER=root node "$here/console.mjs" \
  && node "$here/pages.mjs" && node "$here/accounts.mjs" && node "$here/passkeys.mjs" || status=$?
if [[ $status -ne 0 ]]; then
  echo "--- server log (last 40 lines)" >&2
  tail -n 40 server.log >&2
  echo "--- passkey server log (last 20 lines)" >&2
  tail -n 20 "$work/passkeys/server.log" >&2 || true
fi
exit $status
