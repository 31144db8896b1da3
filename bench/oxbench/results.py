"""What a run measured, per backend. Every figure is kept rounded as the
report prints it (see sampling.round_to), so the ratios in the Targets
table can be recomputed by hand from the Raw figures and References."""

import dataclasses

from . import config
from .sampling import Sample, round_to


@dataclasses.dataclass
class Measured:
    """One measured run (a row of the Raw figures table)."""
    requests: int
    rps: float
    p50: float  # ms
    p99: float  # ms
    cpu_ms: float  # server CPU per request
    store_ms: float | None  # PostgreSQL + Redis CPU per request (pg-redis only)
    other: float  # cores used by other processes


@dataclasses.dataclass
class BackendResults:
    runs: dict[str, Measured] = dataclasses.field(default_factory=dict)
    sign_per_s: float | None = None  # openssl speed -seconds 3, before the backend's runs
    sign_ms: float | None = None
    sign_ms_around: dict[str, float] = dataclasses.field(default_factory=dict)  # per CPU scenario
    argon2_ms: float | None = None  # around the password_login run
    start_ms: float | None = None  # embedded only
    idle_rss_mb: float | None = None
    peak_rss_mb: float | None = None
    redis_per_authorize: float | None = None  # pg-redis only


def from_sample(requests: int, rps: float, p50_ms: float, p99_ms: float, sample: Sample,
             with_stores: bool) -> Measured:
    """Per-request CPU figures of one sampled run."""
    per_request = 1000 / config.CLK_TCK / requests
    return Measured(
        requests=requests,
        rps=round_to(rps, 1),
        p50=round_to(p50_ms, 2),
        p99=round_to(p99_ms, 2),
        cpu_ms=round_to(sample.server_ticks * per_request, 4),
        store_ms=round_to(sample.store_ticks * per_request, 4) if with_stores else None,
        other=sample.other,
    )
