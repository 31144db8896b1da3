#!/usr/bin/env bash
# Real-browser check against a fresh release build (not part of CI: needs
# Debian's chromium and `npm install playwright-core` in this folder).
#   apt-get install -y chromium && (cd tests/browser && npm install --no-save playwright-core@1)
#   bash tests/browser/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
(cd "$root" && cargo build --release -q)
bin="$CARGO_TARGET_DIR/release/oxidp"
work="$(mktemp -d)"
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
export OXIDP__SERVER__BIND=127.0.0.1:18080 OXIDP__ISSUER=http://127.0.0.1:18080
echo 'correct horse battery staple' | "$bin" user create --username alice --email alice@example.com --name "Alice Example" >/dev/null
secret() { "$bin" client create --client-id "$1" --redirect-uri "$2" --json | sed 's/.*"client_secret":"\([^"]*\)".*/\1/'; }
APP1_SECRET=$(secret app1 http://127.0.0.1:9000/cb)
APP2_SECRET=$(secret app2 http://127.0.0.1:9001/cb)
"$bin" serve >server.log 2>&1 &
pid=$!
for _ in $(seq 50); do curl -sf "$OXIDP__ISSUER/healthz" >/dev/null && break; sleep 0.1; done
ISSUER=$OXIDP__ISSUER APP1_SECRET=$APP1_SECRET APP2_SECRET=$APP2_SECRET PASSWORD='correct horse battery staple' \
  SCREENSHOT="${SCREENSHOT:-$root/tests/browser/login.png}" NODE_PATH="$root/tests/browser/node_modules" \
  node "$root/tests/browser/sso.mjs"
