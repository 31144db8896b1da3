"""The scenarios that need one request each (wrk) plus start time and RSS,
and the order a backend runs them in (run_backend)."""

import pathlib
import time

from . import config, openssl, wrk
from .backend import Backend, Run, baseline, measure, measured, signature_ms_around
from .codes import code_exchange
from .figures import median
from .log import BenchError, log
from .login import browser_login, password_login
from .results import BackendResults
from .sampling import mb, round_to, status_kb
from .server import provision, request, wait_ok
from .stores import redis_calls


def start_time(b: Backend) -> None:
    """Median time from spawn to the first 200 on discovery, with the SQLite
    database and keys already there, polled every 2 ms from this process."""
    log(f"{b.name}: start time, 5 restarts")
    b.server.stop()
    url = b.issuer + config.DISCOVERY_PATH
    times = []
    for i in range(1, 6):
        t0 = time.monotonic()
        b.server.spawn()
        t1 = wait_ok(url, 20, 0.002, b.server.alive)
        if t1 is None:
            raise BenchError(f"server restart {i}: no 200 on discovery")
        times.append(round_to((t1 - t0) * 1000, 1))
        b.server.stop()
    b.res.start_ms = median(times)
    b.note(f"{b.name} start-up times (ms): " + " ".join(f"{t:.1f}" for t in times))
    b.server.start()


def idle_rss(b: Backend) -> None:
    """VmRSS after one discovery request and a second of rest: right after
    start a background task briefly holds an argon2 hash's memory (the dummy
    hash for unknown users), which is not idle memory; the note keeps that peak."""
    status, _ = request("GET", b.issuer + config.DISCOVERY_PATH)
    if status != 200:
        raise BenchError(f"discovery failed: status {status}")
    time.sleep(1)
    b.res.idle_rss_mb = mb(status_kb(b.server.pid, "VmRSS"))
    b.note(f"{b.name}: peak RSS since start (VmHWM) when idle RSS was read: "
           f"{mb(status_kb(b.server.pid, 'VmHWM')):.1f} MB")


def _cc_env(b: Backend) -> dict:
    return {"BENCH_BASIC": b.basic, "BENCH_SCOPE": config.API_SCOPE}


def client_credentials(b: Backend) -> None:
    log(f"{b.name}: client_credentials")
    env = _cc_env(b)
    wrk.run(b, "client_credentials-warmup", config.CC_CONNS, config.WARMUP, "client_credentials.lua", "/token",
            env=env)
    signature_ms_around(b, "client_credentials", lambda: measured(
        b, "client_credentials", config.CC_CONNS, b.duration, "client_credentials.lua", "/token", env=env))


def peak_rss(b: Backend) -> None:
    """clear_refs "5" resets VmHWM to the current RSS, so VmHWM after the
    run is the peak during it."""
    log(f"{b.name}: client_credentials_64 (peak RSS)")
    env = _cc_env(b)
    wrk.run(b, "client_credentials_64-warmup", config.PEAK_CONNS, config.WARMUP, "client_credentials.lua",
            "/token", env=env)
    pathlib.Path(f"/proc/{b.server.pid}/clear_refs").write_text("5")
    measured(b, "client_credentials_64", config.PEAK_CONNS, b.duration, "client_credentials.lua", "/token", env=env)
    b.res.peak_rss_mb = mb(status_kb(b.server.pid, "VmHWM"))


def sso_authorize(b: Backend) -> None:
    """GET /authorize with the SSO cookie; on pg-redis also the Redis
    commands each one costs (INFO commandstats before and after)."""
    log(f"{b.name}: sso_authorize")
    path, extra = config.authorize_path(b.challenge), ["-H", f"Cookie: {b.cookie}"]
    env = {"BENCH_REDIRECT_URI": config.REDIRECT_URI}
    wrk.run(b, "sso_authorize-warmup", config.RATIO_CONNS, config.WARMUP, "authorize.lua", path, extra, env)
    calls0 = redis_calls() if b.with_stores else 0
    result = measured(b, "sso_authorize", config.RATIO_CONNS, b.duration, "authorize.lua", path, extra, env)
    if b.with_stores:
        calls = redis_calls() - calls0
        b.res.redis_per_authorize = round_to(calls / result.requests, 2)
        b.note(f"{b.name}: {calls} Redis commands for {result.requests} SSO authorize requests")


def run_backend(run: Run, name: str) -> None:
    # The machine's speed drifts (shared host): each backend's CPU figures are
    # divided by a signature measured just before them, with no server up.
    log("reference: openssl speed -seconds 3 rsa2048")
    sign_per_s = openssl.sign_rate(3, run.env)
    run.results[name] = BackendResults(sign_per_s=sign_per_s, sign_ms=round_to(1000 / sign_per_s, 4))
    b = Backend(run, name)
    try:
        b.secret, b.basic = provision(run.binary, b.work, b.env)
        log(f"{name}: first start (creates the signing keys)")
        b.server.start()
        if name == "embedded":
            start_time(b)
        idle_rss(b)
        measure(b, "healthz", config.RATIO_CONNS, "plain.lua", "/healthz")
        client_credentials(b)
        peak_rss(b)  # before anything that fills the in-process code store
        baseline(b, "jwks")
        measure(b, "jwks", config.RATIO_CONNS, "plain.lua", "/.well-known/jwks.json")
        baseline(b, "discovery")
        measure(b, "discovery", config.RATIO_CONNS, "plain.lua", config.DISCOVERY_PATH)
        browser_login(b)
        baseline(b, "userinfo")
        measure(b, "userinfo", config.RATIO_CONNS, "plain.lua", "/userinfo",
                ["-H", f"Authorization: Bearer {b.access_token}"])
        baseline(b, "sso_authorize")
        sso_authorize(b)
        code_exchange(b)
        password_login(b)
    except BenchError as e:
        if b.server.log_path.exists():
            e.dumps.append(b.server.log_dump())
        raise
    finally:
        b.server.stop()
    run.stores.clean()
