#!/usr/bin/env python3
"""Anonymous /authorize flood: how much the server (and Redis) holds.

Starts `oxidp serve` on a loopback port (embedded SQLite + memory store, or
PostgreSQL + Redis with --redis/--database), registers one public client,
then floods GET /authorize without a session (every request would start a
login transaction) with wrk for --duration seconds, and prints the status
counts, the server's RSS before and after, and with Redis its used_memory
and key count before and after. Loopback only; the run is bounded in time.

    python3 bench/flood.py --binary target/release/oxidp --duration 30
    python3 bench/flood.py --binary … --database postgres://postgres@127.0.0.1/flood --redis redis://127.0.0.1:6379
"""

import argparse
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.request

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        kb = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    return kb / 1024


def redis_info(url: str, prefix: str) -> tuple[float, int]:
    host, port = re.match(r"redis://([^:/]+):(\d+)", url).groups()
    with socket.create_connection((host, int(port)), timeout=5) as s:
        f = s.makefile("rb")

        def command(*args: str) -> bytes:
            s.sendall(("*%d\r\n" % len(args) + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)).encode())
            line = f.readline()
            if line.startswith(b"$"):
                return f.read(int(line[1:]) + 2)[:-2]
            return line[1:].strip()

        memory = command("INFO", "memory").decode()
        used = int(re.search(r"used_memory:(\d+)", memory).group(1)) / 2**20
        keys, cursor = 0, "0"
        while True:
            s.sendall(f"*6\r\n$4\r\nSCAN\r\n${len(cursor)}\r\n{cursor}\r\n$5\r\nMATCH\r\n${len(prefix) + 1}\r\n{prefix}*\r\n$5\r\nCOUNT\r\n$4\r\n1000\r\n".encode())
            f.readline()  # *2
            f.readline()  # $n
            cursor = f.readline().strip().decode()
            n = int(f.readline()[1:])
            for _ in range(n):
                f.readline()
                f.readline()
            keys += n
            if cursor == "0":
                return used, keys


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True)
    p.add_argument("--duration", type=int, default=30)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--database", help="PostgreSQL URL (default: a temporary SQLite file)")
    p.add_argument("--redis", help="Redis URL (default: the in-process store)")
    p.add_argument("--env", action="append", default=[], help="extra KEY=VALUE for the server")
    args = p.parse_args()

    work = tempfile.mkdtemp(prefix="oxidp-flood-")
    port = free_port()
    prefix = f"oxidp-flood-{os.getpid()}:"
    env = dict(os.environ)
    env.update({
        "OXIDP__SERVER__BIND": f"127.0.0.1:{port}",
        "OXIDP__ISSUER": f"http://127.0.0.1:{port}",
        "OXIDP__DATABASE__URL": args.database or f"sqlite://{work}/db.sqlite",
        "OXIDP__KEYS__DIR": f"{work}/keys",
        "OXIDP__REDIS__PREFIX": prefix,
        "RUST_LOG": "warn",
        # The flood is one loopback address: the per-address rate limit on
        # /authorize would refuse it before the pending-login caps this
        # measures (`--env OXIDP__RATE_LIMITS__AUTHORIZE=300` measures it).
        "OXIDP__RATE_LIMITS__AUTHORIZE": "0",
    })
    env.pop("OXIDP__REDIS__URL", None)
    if args.redis:
        env["OXIDP__REDIS__URL"] = args.redis
    env.update(kv.split("=", 1) for kv in args.env)
    redirect = "http://127.0.0.1:9/cb"
    subprocess.run([args.binary, "client", "create", "--client-id", "flood", "--public",
                    "--redirect-uri", redirect], env=env, cwd=work, check=True, capture_output=True)
    log = open(f"{work}/server.log", "w")
    server = subprocess.Popen([args.binary, "serve"], env=env, cwd=work, stdout=log, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1)
        before = rss_mib(server.pid)
        redis_before = redis_info(args.redis, prefix) if args.redis else None
        url = (f"{base}/authorize?response_type=code&client_id=flood&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb"
               "&scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
               "&code_challenge_method=S256")
        wrk = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", url],
                             capture_output=True, text=True, timeout=args.duration + 60)
        after = rss_mib(server.pid)
        print(f"backend: {'PostgreSQL + Redis' if args.redis else 'SQLite + memory'}; "
              f"{args.duration} s, {args.connections} connections; extra env: {args.env or 'none'}")
        requests = re.search(r"(\d+) requests in", wrk.stdout)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk.stdout)
        print(f"requests: {requests.group(1) if requests else '?'}; non-2xx/3xx: {non2xx.group(1) if non2xx else 0}")
        print(f"server RSS: {before:.1f} MiB before, {after:.1f} MiB after (+{after - before:.1f})")
        if args.redis:
            used, keys = redis_info(args.redis, prefix)
            print(f"redis used_memory: {redis_before[0]:.1f} MiB before, {used:.1f} MiB after; "
                  f"keys under the prefix: {redis_before[1]} before, {keys} after")
    finally:
        server.terminate()
        server.wait(timeout=60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
