#!/usr/bin/env python3
"""A store outage under load: what clients see while PostgreSQL or Redis is
stopped, how fast oxidp recovers, and that nothing committed is lost.

Starts its own PostgreSQL (initdb in a temp dir; as root it runs as the
`postgres` user) and its own redis-server on free loopback ports, and
`oxidp serve` (release binary) on both. Provisions a user and a
confidential client, then runs load for --before + --down + --after
seconds: refresh-token chains (each worker rotates its own), password
logins, and client_credentials. After --before seconds it stops the chosen
store (PostgreSQL: `pg_ctl stop -m fast`; Redis: SIGKILL) for --down
seconds, then starts it again on the same port.

Prints one JSON document: per kind and phase (before, down, after) the
answers by status and their p50/p99/max latency, the time from the restart
to each kind's first success, the requests that were neither a success nor
a 503 (must be 0), panics in the server log (must be 0), and the
durability check: every refresh token a client was last given still works,
and the database holds at least as many refresh tokens and login audit
events as clients saw succeed. Loopback only; bounded in time.

    python3 bench/outage.py --binary target/release/oxidp --stop postgres --down 15
    python3 bench/outage.py --binary target/release/oxidp --stop redis --down 30
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
from oxbench import config  # noqa: E402
from oxbench.server import Server, free_port, provision  # noqa: E402
import login_driver  # noqa: E402


def as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class OwnPostgres:
    def __init__(self, root: pathlib.Path):
        self.bin = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1].parent
        self.dir, self.port = root / "pg", free_port()
        self.dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(as_postgres([str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
                                    "--auth=trust", "--no-sync"]), check=True, capture_output=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def ctl(self, *args: str) -> None:
        opts = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c max_connections=60"
        subprocess.run(as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-l",
                                    str(self.dir / "log"), "-o", opts, "-w", "-t", "60", *args]),
                       check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self.ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self.ctl("-m", mode, "stop")

    def query(self, sql: str) -> str:
        out = subprocess.run(["psql", self.url(), "-AtX", "-c", sql], check=True, capture_output=True, text=True,
                             timeout=60)
        return out.stdout.strip()


class OwnRedis:
    def __init__(self, root: pathlib.Path):
        self.dir, self.port, self.proc = root / "redis", free_port(), None
        self.dir.mkdir()

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.dir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(self.port), "PING"], capture_output=True).stdout != b"PONG\n":
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * p / 100))], 1) if values else 0.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True)
    p.add_argument("--stop", choices=["postgres", "redis"], required=True)
    p.add_argument("--before", type=int, default=10)
    p.add_argument("--down", type=int, default=15)
    p.add_argument("--after", type=int, default=15)
    p.add_argument("--chains", type=int, default=4, help="refresh workers")
    p.add_argument("--log", help="copy the server's log here")
    args = p.parse_args()
    root = pathlib.Path(tempfile.mkdtemp(prefix="oxidp-outage."))
    root.chmod(0o755)  # the postgres user must reach its data directory
    pg, redis = OwnPostgres(root), OwnRedis(root)
    pg.start()
    redis.start()
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update({
        "OXIDP__SERVER__BIND": f"127.0.0.1:{port}", "OXIDP__ISSUER": issuer,
        "OXIDP__DATABASE__URL": pg.url(), "OXIDP__REDIS__URL": f"redis://127.0.0.1:{redis.port}",
        "OXIDP__KEYS__DIR": str(root / "keys"), "OXIDP__LOG__LEVEL": "info",
        "OXIDP__RATE_LIMITS__AUTHORIZE": "0", "OXIDP__RATE_LIMITS__LOGIN": "0", "OXIDP__RATE_LIMITS__TOKEN": "0",
        "OXIDP__LOGIN__MAX_PENDING_PER_ADDRESS": "0",
    })
    work = root / "server"
    work.mkdir()
    server = Server(pathlib.Path(args.binary), work, env, issuer)
    try:
        _, basic = provision(pathlib.Path(args.binary), work, env)
        server.start()
        token_headers = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
        driver = types.SimpleNamespace(issuer=issuer, client_id=config.CLIENT_ID, redirect_uri=config.REDIRECT_URI,
                                       username=config.USERNAME, password=config.PASSWORD,
                                       scope="openid offline_access", code_verifier=config.VERIFIER,
                                       cookie_name="oxidp_session")

        def token(form: dict) -> tuple[int, dict]:
            req = urllib.request.Request(f"{issuer}/token", data=urllib.parse.urlencode(form).encode(),
                                         headers=token_headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    return resp.status, json.loads(resp.read())
            except urllib.error.HTTPError as e:
                return e.code, {}

        chains = []
        for _ in range(args.chains):
            browser = login_driver.Browser(driver)
            _, code = browser.login()
            browser.close()
            status, body = token({"grant_type": "authorization_code", "code": code,
                                  "redirect_uri": config.REDIRECT_URI, "code_verifier": config.VERIFIER})
            assert status == 200, status
            chains.append(body["refresh_token"])
        rows_before = int(pg.query("SELECT count(*) FROM refresh_tokens"))
        logins_before = int(pg.query("SELECT count(*) FROM audit_events WHERE kind = 'login_succeeded'"))

        records: list[tuple[str, float, int, float]] = []  # kind, t, status (0: no answer), ms
        lock = threading.Lock()
        t0 = time.monotonic()
        stop_at, start_at = args.before, args.before + args.down
        deadline = t0 + args.before + args.down + args.after
        restarted = [None]

        def record(kind: str, started: float, status: int) -> None:
            with lock:
                records.append((kind, started - t0, status, (time.monotonic() - started) * 1000))

        def refresh_worker(i: int) -> None:
            while time.monotonic() < deadline:
                started = time.monotonic()
                status, body = token({"grant_type": "refresh_token", "refresh_token": chains[i]})
                record("refresh", started, status)
                if status == 200:
                    chains[i] = body["refresh_token"]

        def login_worker() -> None:
            browser = login_driver.Browser(driver)
            while time.monotonic() < deadline:
                started = time.monotonic()
                try:
                    browser.login()
                    record("login", started, 200)
                except login_driver.LoginFailed as e:
                    text = str(e)
                    status = next((int(w) for w in text.split() if w.isdigit() and len(w) == 3), 0)
                    record("login", started, status)
                    browser.close()
                except OSError:
                    record("login", started, 0)
                    browser.close()

        def cc_worker() -> None:
            while time.monotonic() < deadline:
                started = time.monotonic()
                status, _ = token({"grant_type": "client_credentials", "scope": config.API_SCOPE})
                record("client_credentials", started, status)

        threads = [threading.Thread(target=refresh_worker, args=(i,), daemon=True) for i in range(args.chains)]
        threads += [threading.Thread(target=login_worker, daemon=True),
                    threading.Thread(target=cc_worker, daemon=True)]
        for t in threads:
            t.start()
        time.sleep(stop_at)
        (pg.stop if args.stop == "postgres" else redis.stop)()
        time.sleep(max(0.0, start_at - (time.monotonic() - t0)))
        (pg.start if args.stop == "postgres" else redis.start)()
        restarted[0] = time.monotonic() - t0
        for t in threads:
            t.join(args.after + 60)

        def phase(t: float) -> str:
            return "before" if t < stop_at else "down" if t < restarted[0] else "after"

        summary: dict = {}
        for kind in ("refresh", "login", "client_credentials"):
            summary[kind] = {}
            for ph in ("before", "down", "after"):
                rows = [(s, ms) for k, t, s, ms in records if k == kind and phase(t) == ph]
                by_status: dict[str, int] = {}
                for s, _ in rows:
                    by_status[str(s)] = by_status.get(str(s), 0) + 1
                unavailable = [ms for s, ms in rows if s == 503]
                summary[kind][ph] = {"by_status": by_status,
                                     "ms_p50": percentile([ms for _, ms in rows], 50),
                                     "ms_p99": percentile([ms for _, ms in rows], 99),
                                     "ms_max": round(max((ms for _, ms in rows), default=0), 1),
                                     "503_ms_p99": percentile(unavailable, 99),
                                     "503_ms_max": round(max(unavailable, default=0), 1)}
            first_ok = min((t for k, t, s, _ in records if k == kind and s == 200 and t >= restarted[0]), default=None)
            summary[kind]["recovered_after_restart_s"] = round(first_ok - restarted[0], 2) if first_ok else None
        unexpected = [(k, round(t, 2), s) for k, t, s, _ in records if s not in (200, 503)]
        # Durability: every chain's last token still works, and the database
        # holds at least what clients saw succeed.
        chains_ok = sum(token({"grant_type": "refresh_token", "refresh_token": rt})[0] == 200 for rt in chains)
        refreshes_ok = sum(1 for k, _, s, _ in records if k == "refresh" and s == 200)
        logins_ok = sum(1 for k, _, s, _ in records if k == "login" and s == 200)
        rows_after = int(pg.query("SELECT count(*) FROM refresh_tokens"))
        logins_after = int(pg.query("SELECT count(*) FROM audit_events WHERE kind = 'login_succeeded'"))
        log = (work / "server.log").read_text(errors="replace")
        if args.log:
            pathlib.Path(args.log).write_text(log)
        print(json.dumps({
            "stopped": args.stop, "down_s": args.down, "restarted_at_s": round(restarted[0], 2),
            "kinds": summary,
            "unexpected_answers": {"count": len(unexpected), "first": unexpected[:5]},
            "durability": {
                "refresh_chains_still_valid": f"{chains_ok}/{len(chains)}",
                "refreshes_seen_ok": refreshes_ok, "refresh_token_rows_added": rows_after - rows_before - chains_ok,
                "logins_seen_ok": logins_ok, "login_audit_rows_added": logins_after - logins_before,
            },
            "server_log": {"lines": log.count("\n"), "panics": log.count("panicked"),
                           "circuit_opened": log.count("unreachable: circuit open"),
                           "circuit_closed": log.count("circuit closed")},
        }, indent=2))
        return 0
    finally:
        server.stop()
        redis.stop()
        try:
            pg.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
