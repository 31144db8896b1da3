#!/usr/bin/env python3
"""Soak: a long run at a steady, high load; every request must succeed and
the server's memory must stay flat.

Starts `oxidp serve` (release binary) on PostgreSQL + Redis (fresh database
and key prefix) or the embedded default, provisions a user and a
confidential client, measures the client_credentials ceiling (autocannon,
16 connections, --ceiling seconds), then for --duration seconds runs at
once:
  - client_credentials at --share (0.8) of that ceiling, paced by
    autocannon's --overallRate;
  - password logins, one after another (bench/login_driver.py);
  - a refresh, then a userinfo call with the new access token, every
    --mix-interval seconds.
The server's RSS is read every 10 s. Prints one JSON document: requests,
errors and p50/p99 per kind, and RSS after the warm-up (--warmup seconds)
against the highest and the last reading. Loopback only; bounded in time.

    npm install --prefix bench/.node autocannon@8   # once
    python3 bench/soak.py --binary target/release/oxidp --duration 600
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from oxbench import config, stores  # noqa: E402
from oxbench.server import Server, free_port, provision  # noqa: E402
import login_driver  # noqa: E402

AUTOCANNON = pathlib.Path(__file__).resolve().parent / ".node" / "node_modules" / ".bin" / "autocannon"


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def autocannon(issuer: str, basic: str, seconds: int, rate: int | None) -> dict:
    cmd = [str(AUTOCANNON), "-c", "16", "-d", str(seconds), "-m", "POST", "-j",
           "-H", f"Authorization=Basic {basic}", "-H", "Content-Type=application/x-www-form-urlencoded",
           "-b", f"grant_type=client_credentials&scope={config.API_SCOPE}", f"{issuer}/token"]
    if rate:
        cmd[1:1] = ["--overallRate", str(rate)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=seconds + 120).stdout
    return json.loads(out)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * p / 100))], 2)


def post(url: str, form: dict, headers: dict) -> dict:
    req = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True)
    p.add_argument("--backend", choices=["pg-redis", "embedded"], default="pg-redis")
    p.add_argument("--duration", type=int, default=600)
    p.add_argument("--warmup", type=int, default=60)
    p.add_argument("--ceiling", type=int, default=10)
    p.add_argument("--share", type=float, default=0.8)
    p.add_argument("--mix-interval", type=float, default=0.05)
    args = p.parse_args()
    if not AUTOCANNON.exists():
        sys.exit(f"no {AUTOCANNON}: npm install --prefix bench/.node autocannon@8")
    work = pathlib.Path(tempfile.mkdtemp(prefix="oxidp-soak."))
    database, prefix, port = f"soak_{os.getpid()}", f"oxidp-soak-{os.getpid()}:", free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update({
        "OXIDP__SERVER__BIND": f"127.0.0.1:{port}", "OXIDP__ISSUER": issuer,
        "OXIDP__KEYS__DIR": str(work / "keys"), "OXIDP__LOG__LEVEL": "warn",
        # One loopback address sends everything: no per-address limits.
        "OXIDP__RATE_LIMITS__AUTHORIZE": "0", "OXIDP__RATE_LIMITS__LOGIN": "0", "OXIDP__RATE_LIMITS__TOKEN": "0",
        "OXIDP__LOGIN__MAX_PENDING_PER_ADDRESS": "0",
    })
    env.pop("OXIDP__REDIS__URL", None)
    if args.backend == "pg-redis":
        env["OXIDP__DATABASE__URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
        env["OXIDP__REDIS__URL"] = f"redis://{config.REDIS_HOST}:{config.REDIS_PORT}"
        env["OXIDP__REDIS__PREFIX"] = prefix
        stores.create_database(database)
    else:
        env["OXIDP__DATABASE__URL"] = f"sqlite://{work}/oxidp.db"
    server = Server(pathlib.Path(args.binary), work, env, issuer)
    try:
        _, basic = provision(pathlib.Path(args.binary), work, env)
        server.start()
        ceiling = autocannon(issuer, basic, args.ceiling, None)["requests"]["average"]
        rate = int(ceiling * args.share)
        driver = types.SimpleNamespace(issuer=issuer, client_id=config.CLIENT_ID, redirect_uri=config.REDIRECT_URI,
                                       username=config.USERNAME, password=config.PASSWORD,
                                       scope="openid profile email offline_access", code_verifier=config.VERIFIER,
                                       cookie_name="oxidp_session")
        deadline = time.monotonic() + args.duration
        results = {"login": [], "refresh": [], "userinfo": []}
        errors = {"login": [], "refresh": [], "userinfo": []}
        rss: list[tuple[float, float]] = []
        started = time.monotonic()
        token_headers = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}

        def timed(kind, action):
            t0 = time.monotonic()
            try:
                value = action()
            except (login_driver.LoginFailed, OSError, urllib.error.URLError, ValueError, KeyError) as e:
                errors[kind].append(f"{type(e).__name__}: {e}"[:200])
                return None
            results[kind].append((time.monotonic() - t0) * 1000)
            return value

        def logins():
            browser = login_driver.Browser(driver)
            while time.monotonic() < deadline:
                timed("login", browser.login)
            browser.close()

        def mix():
            browser = login_driver.Browser(driver)
            _, code = browser.login()
            browser.close()
            tokens = post(f"{issuer}/token", {"grant_type": "authorization_code", "code": code,
                                               "redirect_uri": config.REDIRECT_URI,
                                               "code_verifier": config.VERIFIER}, token_headers)
            refresh_token = tokens["refresh_token"]
            while time.monotonic() < deadline:
                fresh = timed("refresh", lambda: post(f"{issuer}/token", {"grant_type": "refresh_token",
                                                                        "refresh_token": refresh_token},
                                                      token_headers))
                if fresh:
                    refresh_token = fresh["refresh_token"]
                    req = urllib.request.Request(f"{issuer}/userinfo",
                                                 headers={"Authorization": f"Bearer {fresh['access_token']}"})
                    timed("userinfo", lambda: json.loads(urllib.request.urlopen(req, timeout=30).read())["sub"])
                time.sleep(args.mix_interval)

        def sample():
            while time.monotonic() < deadline:
                rss.append((round(time.monotonic() - started), round(rss_mib(server.pid), 1)))
                time.sleep(10)

        threads = [threading.Thread(target=f, daemon=True) for f in (logins, mix, sample)]
        for t in threads:
            t.start()
        cc = autocannon(issuer, basic, args.duration, rate)
        for t in threads:
            t.join(60)
        after_warmup = [m for s, m in rss if s >= args.warmup]
        base = after_warmup[0] if after_warmup else 0
        report = {
            "backend": args.backend, "duration_s": args.duration,
            "client_credentials": {
                "ceiling_rps": round(ceiling), "target_rps": rate,
                "achieved_rps": round(cc["requests"]["average"]), "requests": cc["requests"]["total"],
                "non_2xx": cc["non2xx"], "errors": cc["errors"], "timeouts": cc["timeouts"],
                "p50_ms": cc["latency"]["p50"], "p99_ms": cc["latency"]["p99"],
            },
            **{kind: {"requests": len(results[kind]), "errors": len(errors[kind]),
                      "first_error": errors[kind][0] if errors[kind] else None,
                      "p50_ms": percentile(results[kind], 50), "p99_ms": percentile(results[kind], 99)}
               for kind in results},
            "rss_mib": {"after_warmup": base, "max": max(after_warmup, default=0),
                        "last": after_warmup[-1] if after_warmup else 0,
                        "max_growth_pct": round((max(after_warmup, default=0) / base - 1) * 100, 1) if base else None,
                        "samples": rss},
            "server_alive": server.alive(),
        }
        print(json.dumps(report, indent=2))
        return 0
    finally:
        server.stop()
        if args.backend == "pg-redis":
            stores.delete_keys(prefix)
            stores.drop_database(database)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
