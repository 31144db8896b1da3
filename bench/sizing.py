#!/usr/bin/env python3
"""Sizing: what one login and one refresh cost the stores of a production
deployment (PostgreSQL + Redis), measured, not estimated.

Starts `oxidp serve` (release binary) on a fresh PostgreSQL database and a
fresh Redis key prefix, provisions one user and one confidential client,
then:
  1. logs in --logins times (each: a new SSO session and a code) and reads
     Redis' MEMORY USAGE of every key under the prefix, by kind: bytes per
     SSO session, per authorization code, per index;
  2. exchanges every code (a refresh-token family each), then refreshes each
     once, and reads PostgreSQL's commit and row counters
     (pg_stat_database, pg_stat_user_tables) before and after each phase:
     commits and rows written per login, per code exchange, per refresh;
  3. runs pgbench's simple-update script (one write transaction, like a
     refresh) for --pgbench seconds to learn how many write transactions
     this PostgreSQL commits per second.
From these: how many instances, each at the ceilings BENCHMARKS.md
measured, one PostgreSQL serves. Loopback only; every phase is bounded.

    python3 bench/sizing.py --binary target/release/oxidp --logins 500
"""

import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types
import urllib.parse
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from oxbench import config, stores  # noqa: E402
from oxbench.redis_client import Redis  # noqa: E402
from oxbench.server import Server, free_port, provision  # noqa: E402
import login_driver  # noqa: E402

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def psql(database: str, sql: str) -> str:
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + database
    out = subprocess.run(["psql", url, "-AtX", "-c", sql], check=True, capture_output=True, text=True, timeout=60)
    return out.stdout.strip()


def pg_counters(database: str) -> dict:
    """Commits and rows written so far in `database` (stats are flushed
    asynchronously: wait for them)."""
    time.sleep(1.2)
    psql(database, "SELECT pg_stat_force_next_flush()")
    commits = int(psql(database, f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{database}'"))
    rows = psql(database, "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables")
    return {"commits": commits, "rows": int(rows)}


def delta(before: dict, after: dict, n: int) -> dict:
    return {k: round((after[k] - before[k]) / n, 2) for k in before}


def redis_bytes_by_kind(prefix: str) -> dict:
    """Average MEMORY USAGE and count of the keys under `prefix`, by kind
    (the part of the key after the prefix up to the id)."""
    kinds: dict[str, list[int]] = {}
    with Redis() as r:
        cursor = "0"
        while True:
            cursor, keys = r.call("SCAN", cursor, "MATCH", prefix + "*", "COUNT", 1000)
            for key in keys:
                key = key.decode() if isinstance(key, bytes) else key
                rest = key[len(prefix):]
                kind = ":".join(rest.split(":")[:2]) if rest.startswith("idx:") else rest.split(":")[0]
                kinds.setdefault(kind, []).append(int(r.call("MEMORY", "USAGE", key, "SAMPLES", "0")))
            if cursor in ("0", b"0"):
                break
    return {k: {"keys": len(v), "bytes_each": round(sum(v) / len(v))} for k, v in sorted(kinds.items())}


def post_token(issuer: str, basic: str, form: dict) -> dict:
    req = urllib.request.Request(issuer + "/token", data=urllib.parse.urlencode(form).encode(),
                                 headers={"Authorization": f"Basic {basic}",
                                          "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def pgbench_tps(seconds: int) -> float:
    """Write transactions per second of pgbench's simple-update script on a
    scratch database, 8 clients."""
    pgbench = shutil.which("pgbench") or next(iter(sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/pgbench"))), None)
    if not pgbench:
        return 0.0
    name = f"sizing_pgbench_{os.getpid()}"
    stores.create_database(name)
    try:
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        subprocess.run([str(pgbench), "-i", "-q", "-s", "1", url], check=True, capture_output=True, timeout=120)
        out = subprocess.run([str(pgbench), "-N", "-c", "8", "-j", "2", "-T", str(seconds), url],
                             check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
        return float(re.search(r"tps = ([\d.]+)", out).group(1))
    finally:
        stores.drop_database(name)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True)
    p.add_argument("--logins", type=int, default=300)
    p.add_argument("--pgbench", type=int, default=15, help="seconds of pgbench (0: skip)")
    args = p.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="oxidp-sizing."))
    database, prefix, port = f"sizing_{os.getpid()}", f"oxidp-sizing-{os.getpid()}:", free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update({
        "OXIDP__SERVER__BIND": f"127.0.0.1:{port}", "OXIDP__ISSUER": issuer,
        "OXIDP__DATABASE__URL": PG_ADMIN.rsplit("/", 1)[0] + "/" + database,
        "OXIDP__REDIS__URL": f"redis://{config.REDIS_HOST}:{config.REDIS_PORT}", "OXIDP__REDIS__PREFIX": prefix,
        "OXIDP__KEYS__DIR": str(work / "keys"), "OXIDP__LOG__LEVEL": "warn",
        "OXIDP__RATE_LIMITS__AUTHORIZE": "0", "OXIDP__RATE_LIMITS__LOGIN": "0", "OXIDP__RATE_LIMITS__TOKEN": "0",
        "OXIDP__LOGIN__MAX_PENDING_PER_ADDRESS": "0",
    })
    stores.create_database(database)
    server = Server(pathlib.Path(args.binary), work, env, issuer)
    try:
        _, basic = provision(pathlib.Path(args.binary), work, env)
        server.start()
        driver = types.SimpleNamespace(issuer=issuer, client_id=config.CLIENT_ID, redirect_uri=config.REDIRECT_URI,
                                       username=config.USERNAME, password=config.PASSWORD,
                                       scope="openid profile email", code_verifier=config.VERIFIER,
                                       cookie_name="oxidp_session")
        browser = login_driver.Browser(driver)
        counters = [pg_counters(database)]
        codes = [browser.login()[1] for _ in range(args.logins)]
        counters.append(pg_counters(database))
        redis = redis_bytes_by_kind(prefix)
        refresh_tokens = []
        for code in codes:
            tokens = post_token(issuer, basic, {"grant_type": "authorization_code", "code": code,
                                                "redirect_uri": config.REDIRECT_URI,
                                                "code_verifier": config.VERIFIER})
            refresh_tokens.append(tokens["refresh_token"])
        counters.append(pg_counters(database))
        for rt in refresh_tokens:
            post_token(issuer, basic, {"grant_type": "refresh_token", "refresh_token": rt})
        counters.append(pg_counters(database))
        n = args.logins
        print(json.dumps({
            "logins": n,
            "redis_after_logins": redis,
            "postgres_per_login": delta(counters[0], counters[1], n),
            "postgres_per_code_exchange": delta(counters[1], counters[2], n),
            "postgres_per_refresh": delta(counters[2], counters[3], n),
            "pgbench_write_tps": pgbench_tps(args.pgbench) if args.pgbench else None,
        }, indent=2))
        return 0
    finally:
        server.stop()
        stores.delete_keys(prefix)
        stores.drop_database(database)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
