"""Browser logins through bench/login_driver.py (a login is two chained
requests wrk cannot make): one to get the SSO cookie and an access token,
and the measured password-login load."""

import json
import sys
import urllib.parse

from . import build, config, procs
from .backend import Backend, sampled
from .log import BenchError, log, tail
from .results import from_sample
from .sampling import round_to
from .server import request

DRIVER = config.BENCH_DIR / "login_driver.py"


def driver_args(b: Backend) -> list[str]:
    return ["--issuer", b.issuer, "--client-id", config.CLIENT_ID, "--redirect-uri", config.REDIRECT_URI,
            "--username", config.USERNAME, "--password", config.PASSWORD, "--code-verifier", config.VERIFIER]


def browser_login(b: Backend) -> None:
    """One login: the SSO cookie for the authorize runs, and a code
    exchanged for the access token the userinfo run presents."""
    result = procs.output([sys.executable, DRIVER, *driver_args(b), "--once"], limit=120, env=b.env)
    if result.returncode != 0:
        raise BenchError("browser login failed", ("", result.stdout + result.stderr, "  login| "))
    login = json.loads(result.stdout)
    b.cookie = login["cookie"]
    body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": login["code"],
                                   "redirect_uri": config.REDIRECT_URI, "code_verifier": config.VERIFIER})
    status, data = request("POST", b.issuer + "/token", body, {
        "Authorization": f"Basic {b.basic}", "Content-Type": "application/x-www-form-urlencoded"})
    if status >= 400:
        raise BenchError(f"code exchange failed: {status} {data.decode(errors='replace')[:500]}")
    b.access_token = json.loads(data)["access_token"]


def parse_driver_result(text: str) -> dict:
    """The driver's JSON line; fails on any failed login or none at all."""
    result = json.loads(text)
    if result["failures"]:
        raise ValueError(f"{result['failures']} failed logins; first: {result['first_failure']}")
    if result["logins"] <= 0:
        raise ValueError("no successful logins")
    return result


def login_run(b: Backend, label: str, seconds: int, args: list[str]) -> dict:
    """One bounded driver run (its duration + 90 s at most); its JSON."""
    out = b.work / f"{label}.json"
    with open(out, "w") as f:
        rc = procs.run_bounded([sys.executable, DRIVER, "--duration", str(seconds), *args], seconds + 90,
                               stdout=f, env=b.env)
    reason = f"login_driver.py exited with status {rc}" if rc else None
    if not reason:
        try:
            return parse_driver_result(out.read_text())
        except (ValueError, KeyError) as e:
            reason = str(e)
    raise BenchError(f"scenario '{label}' ({b.name}) FAILED: {reason}", ("", tail(out, 20), "  driver| "))


def password_login(b: Backend) -> None:
    """Full logins (form + credentials); the figure is server CPU per
    successful login, divided by an argon2id hash measured right around it."""
    args = driver_args(b) + ["--concurrency", str(config.LOGIN_WORKERS)]
    log(f"{b.name}: password_login ({config.LOGIN_WORKERS} workers)")
    login_run(b, "password_login-warmup", config.WARMUP, args)
    before = build.argon2_ms_now(b.run.tmp_root, b.env, f"{b.name}-before")
    result, sample = sampled(b, "password_login", lambda: login_run(b, "password_login", b.duration, args))
    after = build.argon2_ms_now(b.run.tmp_root, b.env, f"{b.name}-after")
    b.res.argon2_ms = round_to((before + after) / 2, 4)
    n = result["logins"]
    b.res.runs["password_login"] = from_sample(n, n / result["seconds"], result["p50_ms"], result["p99_ms"],
                                               sample, b.with_stores)
