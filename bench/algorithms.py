#!/usr/bin/env python3
"""client_credentials tokens/s per access-token algorithm (RS256, ES256,
EdDSA): one release oxidp on the embedded backend and 127.0.0.1 only, three
registered APIs (`oxidp resource create --signing-alg ALG`), one service
client allowed all three; for each API a warm-up and then a measured wrk run
(16 connections, bounded by its duration) of POST /token with
`grant_type=client_credentials&resource=API`. Prints a Markdown table of
tokens/s, server CPU per token and p50/p99; BENCHMARKS.md quotes a run.

Usage: python3 bench/algorithms.py --binary target/release/oxidp [--duration 8]"""

import argparse
import base64
import json
import os
import pathlib
import shutil
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from oxbench import config, procs, sampling, server, wrk  # noqa: E402

ALGORITHMS = ("RS256", "ES256", "EdDSA")
CONNS = 16


class Context:
    """What oxbench.wrk.run needs to know about the server."""

    def __init__(self, work: pathlib.Path, issuer: str, env: dict):
        self.work, self.issuer, self.env, self.name = work, issuer, env, "embedded"


def api_uri(alg: str) -> str:
    return f"https://{alg.lower()}.api.example"


def provision(binary: pathlib.Path, work: pathlib.Path, env: dict) -> str:
    """Three APIs and the service client; returns its Basic credentials."""
    (work / "provision.log").write_text("")
    for alg in ALGORITHMS:
        server.cli(binary, work, env, "resource", "create", "--identifier", api_uri(alg),
                   "--signing-alg", alg, "--json")
    resources = [a for alg in ALGORITHMS for a in ("--resource", api_uri(alg))]
    out = server.cli(binary, work, env, "client", "create", "--client-id", "svc", "--grant-type",
                     "client_credentials", "--scope", config.API_SCOPE, *resources, "--json")
    secret = json.loads(out)["client_secret"]
    return base64.b64encode(f"svc:{secret}".encode()).decode()


def measure(ctx: Context, pid: int, alg: str, basic: str, duration: int) -> dict:
    resource = urllib.parse.quote(api_uri(alg), safe="")
    # bench/client_credentials.lua appends BENCH_SCOPE to the body as is.
    env = {"BENCH_BASIC": basic, "BENCH_SCOPE": f"{config.API_SCOPE}&resource={resource}"}
    wrk.run(ctx, f"warmup-{alg}", CONNS, config.WARMUP, "client_credentials.lua", "/token", env=env)
    before, start = sampling.cpu_ticks(pid), time.monotonic()
    result = wrk.run(ctx, f"cc-{alg}", CONNS, duration, "client_credentials.lua", "/token", env=env)
    cpu_s = (sampling.cpu_ticks(pid) - before) / config.CLK_TCK
    seconds = result.duration_us / 1e6 or (time.monotonic() - start)
    return {
        "alg": alg,
        "tokens_per_s": result.requests / seconds,
        "cpu_ms": 1000 * cpu_s / result.requests,
        "p50_ms": result.p50_us / 1000,
        "p99_ms": result.p99_us / 1000,
    }


def check_alg(issuer: str, basic: str, alg: str) -> None:
    """One token by hand: the API's algorithm signed it."""
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "resource": api_uri(alg)})
    status, raw = server.request("POST", issuer + "/token", body, {
        "Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
    token = json.loads(raw)["access_token"]
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    if status != 200 or header["alg"] != alg:
        raise SystemExit(f"expected an {alg} token, got status {status}, header {header}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", type=pathlib.Path, required=True)
    parser.add_argument("--duration", type=int, default=config.DEFAULT_DURATION)
    args = parser.parse_args()
    if not 1 <= args.duration <= config.MAX_DURATION:
        parser.error(f"--duration must be 1 to {config.MAX_DURATION} seconds")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install -y wrk)")
    procs.install_handlers()
    work = pathlib.Path(tempfile.mkdtemp(prefix="oxidp-bench-alg."))
    port = server.free_port()
    issuer = f"http://{config.LOOPBACK}:{port}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OXIDP__")},
           "OXIDP__ISSUER": issuer, "OXIDP__SERVER__BIND": f"{config.LOOPBACK}:{port}",
           "OXIDP__KEYS__DIR": str(work / "keys"), "OXIDP__DATABASE__URL": f"sqlite://{work}/oxidp.db",
           "OXIDP__KEYS__ALGORITHMS": ",".join(ALGORITHMS), "RUST_LOG": "warn"}
    srv = server.Server(args.binary.resolve(), work, env, issuer)
    try:
        basic = provision(args.binary.resolve(), work, env)
        srv.start()
        ctx = Context(work, issuer, env)
        rows = []
        for alg in ALGORITHMS:
            check_alg(issuer, basic, alg)
            rows.append(measure(ctx, srv.pid, alg, basic, args.duration))
        rs = rows[0]
        print(f"| algorithm | tokens/s | × RS256 | server CPU ms/token | p50 ms | p99 ms |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['alg']} | {r['tokens_per_s']:.0f} | {r['tokens_per_s'] / rs['tokens_per_s']:.2f} "
                  f"| {r['cpu_ms']:.4f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} |")
        return 0
    finally:
        srv.stop()
        procs.stop_all()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
