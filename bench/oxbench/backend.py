"""The run's state (which the final clean-up reads), one backend's context,
and the measured-run helpers every scenario uses: a warm-up, then a run
bracketed by /proc samples, and references taken right around it."""

import dataclasses
import os
import pathlib
import tempfile

from . import config, openssl, wrk
from .cli import Options
from .log import log
from .results import BackendResults, from_sample
from .sampling import Sample, Sampler, round_to
from .server import Server, free_port
from .stores import Stores


@dataclasses.dataclass
class Run:
    """Run-wide state. Everything that needs undoing is reachable from here
    (or from procs' registry of children)."""
    opts: Options
    env: dict = dataclasses.field(default_factory=lambda: dict(os.environ))  # every child's environment
    tmp_root: pathlib.Path | None = None
    binary: pathlib.Path | None = None
    commit: str = "unknown"
    stores: Stores = dataclasses.field(default_factory=Stores)
    notes: list[str] = dataclasses.field(default_factory=list)
    results: dict[str, BackendResults] = dataclasses.field(default_factory=dict)
    argon2_ns: float = 0.0
    argon2_source: str = ""


class Backend:
    """One backend's server, its configuration (environment) and results."""

    def __init__(self, run: Run, name: str):
        self.run, self.name = run, name
        self.duration = run.opts.duration
        self.res = run.results.setdefault(name, BackendResults())
        self.with_stores = name == "pg-redis"
        self.work = pathlib.Path(tempfile.mkdtemp(prefix=f"{name}.", dir=run.tmp_root))
        port = free_port()
        self.issuer = f"http://{config.LOOPBACK}:{port}"
        env = {k: v for k, v in run.env.items() if k not in ("OXIDP__REDIS__URL", "OXIDP__REDIS__PREFIX")}
        env.update(OXIDP__ISSUER=self.issuer, OXIDP__SERVER__BIND=f"{config.LOOPBACK}:{port}",
                   OXIDP__KEYS__DIR=str(self.work / "keys"))
        if self.with_stores:
            db, prefix = run.stores.create()
            # Loopback: no TLS to PostgreSQL, as a same-host deployment would run.
            env["OXIDP__DATABASE__URL"] = (f"postgres://{config.PG_USER}@{config.PG_HOST}:{config.PG_PORT}/{db}"
                                           "?sslmode=disable")
            env["OXIDP__REDIS__URL"] = f"redis://{config.REDIS_HOST}:{config.REDIS_PORT}"
            env["OXIDP__REDIS__PREFIX"] = prefix
        else:
            env["OXIDP__DATABASE__URL"] = f"sqlite://{self.work}/oxidp.db"  # absolute path: sqlite:///…
        self.env = env
        self.server = Server(run.binary, self.work, env, self.issuer)
        self.secret = self.basic = self.cookie = self.access_token = ""
        self.challenge = config.s256(config.VERIFIER)
        log(f"{name}: work dir {self.work}, issuer {self.issuer}")

    def note(self, text: str) -> None:
        self.run.notes.append(text)


def flag_noise(b: Backend, name: str, sample: Sample) -> None:
    """Another build or test run on the machine makes every figure noisy."""
    if sample.other > config.NOISE_CORES:
        b.note(f"{b.name} {name}: other processes used {sample.other:.2f} cores on average during the "
               "measured run: its figures are unreliable")


def sampled(b: Backend, name: str, action):
    """Runs action() between two /proc samples; returns (its result, sample)."""
    sampler = Sampler(b.server.pid, b.with_stores)
    sampler.start()
    result = action()
    sample = sampler.stop()
    flag_noise(b, name, sample)
    return result, sample


def measured(b: Backend, name: str, conns: int, secs: int, script: str, path: str,
             extra=(), env: dict | None = None) -> wrk.WrkResult:
    """A wrk run with the server's CPU sampled around it, stored as `name`.
    Requests are the checked successes when the script checks answers."""
    result, sample = sampled(b, name, lambda: wrk.run(b, name, conns, secs, script, path, extra, env))
    n = result.successes
    if n <= 0:
        raise wrk.scenario_failed(b, name, "no successful requests")
    b.res.runs[name] = from_sample(n, n * 1e6 / result.duration_us, result.p50_us / 1000,
                                 result.p99_us / 1000, sample, b.with_stores)
    return result


def measure(b: Backend, name: str, conns: int, script: str, path: str, extra=(), env=None) -> wrk.WrkResult:
    """Warm-up, then the measured run."""
    log(f"{b.name}: {name}")
    wrk.run(b, f"{name}-warmup", conns, config.WARMUP, script, path, extra, env)
    return measured(b, name, conns, b.duration, script, path, extra, env)


def baseline(b: Backend, scenario: str) -> None:
    """/healthz req/s right before `scenario`, which its ratio divides by
    (the host's speed drifts within a run)."""
    measure(b, f"healthz_{scenario}", config.RATIO_CONNS, "plain.lua", "/healthz")


def signature_ms_around(b: Backend, name: str, action):
    """action() between two 2-second `openssl speed` runs (server idle): the
    CPU figure of `name` is divided by their mean signature time."""
    before = openssl.sign_rate(2, b.env)
    result = action()
    after = openssl.sign_rate(2, b.env)
    b.res.sign_ms_around[name] = round_to(1000 * 2 / (before + after), 4)
    return result
