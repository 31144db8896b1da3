"""The targets: what each row of the Targets table divides, and its verdict.

Every ratio is taken from figures as printed (rounded) and the verdict from
the ratio as printed, so a reader can check any PASS/MISS from the report."""

import dataclasses
import operator

from . import config
from .results import BackendResults
from .sampling import round_to


@dataclasses.dataclass(frozen=True)
class Row:
    key: str
    scenario: str
    figure: str
    target: str


ROWS = (
    Row("cc_cpu", f"client_credentials POST /token (Basic auth), {config.CC_CONNS} connections",
        "server CPU per token ÷ one RSA-2048 signature", "≤ 1.3"),
    Row("exchange_cpu", f"authorization_code exchange incl. refresh token, {config.EXCHANGE_CONNS} connections",
        "server CPU per exchange ÷ one signature", "≤ 2.6"),
    Row("sso", "SSO authorize (session cookie → 302 with code)", "req/s ÷ /healthz req/s", "≥ 0.4"),
    Row("userinfo", "userinfo (GET, JWT access token as Bearer)", "req/s ÷ /healthz req/s", "≥ 0.5"),
    Row("jwks_discovery", "JWKS and discovery (two runs)", "req/s ÷ /healthz req/s", "≥ 0.9 both"),
    Row("login_cpu", f"password login (POST credentials), {config.LOGIN_WORKERS} workers",
        "server CPU per login ÷ one argon2id hash", "≤ 1.15"),
    Row("p99", f"p99 latency, client_credentials at {config.CC_CONNS} connections", "ms", "< 10"),
    Row("rss", f"idle RSS after start / peak RSS under {config.PEAK_CONNS}-connection client_credentials",
        "MB", "≤ 30 / ≤ 60"),
    Row("start", "start to first 200 on discovery, existing SQLite db", "ms, median of 5 restarts", "≤ 200"),
    Row("redis", "Redis commands per SSO authorize",
        "Δ INFO commandstats calls (without INFO) ÷ requests", "≤ 2"),
)


@dataclasses.dataclass(frozen=True)
class Figure:
    value: str  # "n/a" when the backend does not measure it
    verdict: str | None  # "PASS", "MISS" or None (n/a)

    def cell(self) -> str:
        return f"{self.value} {self.verdict}" if self.verdict else self.value


NA = Figure("n/a", None)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def ratio(numerator: float, denominator: float) -> float:
    return round_to(numerator / denominator, 2)


def _cpu(r: BackendResults, scenario: str, reference: float | None, limit: float) -> Figure:
    run = r.runs.get(scenario)
    if run is None or not reference:
        return NA
    value = ratio(run.cpu_ms, reference)
    return Figure(f"{value:.2f}", verdict(value <= limit))


def rps_ratio(r: BackendResults, scenario: str) -> float | None:
    """req/s of a scenario ÷ req/s of the /healthz run made just before it."""
    run, base = r.runs.get(scenario), r.runs.get(f"healthz_{scenario}")
    if run is None or base is None or not base.rps:
        return None
    return ratio(run.rps, base.rps)


def _rps(r: BackendResults, scenario: str, limit: float) -> Figure:
    value = rps_ratio(r, scenario)
    return NA if value is None else Figure(f"{value:.2f}", verdict(value >= limit))


def _jwks_discovery(r: BackendResults) -> Figure:
    j, d = rps_ratio(r, "jwks"), rps_ratio(r, "discovery")
    if j is None or d is None:
        return NA
    return Figure(f"jwks {j:.2f}, discovery {d:.2f}", verdict(j >= 0.9 and d >= 0.9))


def _single(value: float | None, decimals: int, check, limit: float) -> Figure:
    if value is None:
        return NA
    return Figure(f"{value:.{decimals}f}", verdict(check(value, limit)))


def _rss(r: BackendResults) -> Figure:
    if r.idle_rss_mb is None or r.peak_rss_mb is None:
        return NA
    ok = r.idle_rss_mb <= 30 and r.peak_rss_mb <= 60
    return Figure(f"{r.idle_rss_mb:.1f} / {r.peak_rss_mb:.1f}", verdict(ok))


def evaluate(key: str, r: BackendResults) -> Figure:
    """The Targets cell of row `key` for one backend."""
    cc = r.runs.get("client_credentials")
    if key == "cc_cpu":
        return _cpu(r, "client_credentials", r.sign_ms_around.get("client_credentials"), 1.3)
    if key == "exchange_cpu":
        return _cpu(r, "code_exchange", r.sign_ms_around.get("code_exchange"), 2.6)
    if key == "sso":
        return _rps(r, "sso_authorize", 0.4)
    if key == "userinfo":
        return _rps(r, "userinfo", 0.5)
    if key == "jwks_discovery":
        return _jwks_discovery(r)
    if key == "login_cpu":
        return _cpu(r, "password_login", r.argon2_ms, 1.15)
    if key == "p99":
        return _single(cc.p99 if cc else None, 2, operator.lt, 10)
    if key == "rss":
        return _rss(r)
    if key == "start":
        return _single(r.start_ms, 1, operator.le, 200)
    if key == "redis":
        return _single(r.redis_per_authorize, 2, operator.le, 2)
    raise KeyError(key)
