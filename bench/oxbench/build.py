"""cargo: the release binary under test, and the argon2id reference from
the criterion bench benches/crypto.rs (argon2id/hash_configured_params)."""

import json
import os
import pathlib
import re
import shutil
import sys

from . import config, procs
from .log import BenchError, log, tail
from .sampling import round_to

ESTIMATES = pathlib.Path("argon2id/hash_configured_params/new/estimates.json")


def build(tmp_root: pathlib.Path, env: dict) -> tuple[pathlib.Path, str]:
    """cargo build --release; returns a private copy of the binary (a
    concurrent build into the shared target dir must not swap it between or
    during the backends' runs) and the commit measured."""
    target = pathlib.Path(env.setdefault(
        "CARGO_TARGET_DIR", str(pathlib.Path.home() / ".cache" / "oxidp-target")))
    log(f"cargo build --release (CARGO_TARGET_DIR={target})")
    if procs.run_bounded(["cargo", "build", "--release"], None, cwd=config.ROOT, env=env, stdout=sys.stderr) != 0:
        raise BenchError("cargo build --release failed")
    built = target / "release" / "oxidp"
    if not os.access(built, os.X_OK):
        raise BenchError(f"no binary at {built}")
    binary = tmp_root / "oxidp"
    shutil.copy2(built, binary)
    return binary, commit_id()


def commit_id() -> str:
    """The commit measured, taken right after the build (others may be
    editing); "-dirty" when the work tree differs from it."""
    head = procs.output(["git", "-C", config.ROOT, "rev-parse", "--short", "HEAD"], limit=30)
    if head.returncode != 0 or not head.stdout.strip():
        return "unknown"
    dirty = procs.output(["git", "-C", config.ROOT, "diff", "--quiet", "HEAD", "--"], limit=60)
    return head.stdout.strip() + ("-dirty" if dirty.returncode != 0 else "")


def override_ns() -> float | None:
    """BENCH_ARGON2_NS (harness testing only) replaces the criterion bench."""
    value = os.environ.get("BENCH_ARGON2_NS")
    if not value:
        return None
    if not re.fullmatch(r"[0-9.]+", value):
        raise BenchError("BENCH_ARGON2_NS must be a number of nanoseconds")
    try:
        return float(value)
    except ValueError:
        raise BenchError("BENCH_ARGON2_NS must be a number of nanoseconds") from None


def read_estimate_ns(path: pathlib.Path) -> float:
    """Mean time per iteration (ns) from criterion's estimates.json."""
    return float(json.loads(path.read_text())["mean"]["point_estimate"])


def _criterion(crit: pathlib.Path, env: dict, limit: int, log_file: pathlib.Path, extra: list[str]) -> bool:
    cmd = ["cargo", "bench", *(["-q"] if extra else []), "--bench", "crypto", "--", "argon2id", *extra]
    with open(log_file, "a") as f:
        rc = procs.run_bounded(cmd, limit, cwd=config.ROOT, env={**env, "CRITERION_HOME": str(crit)},
                               stdout=f, stderr=f)
    return rc == 0 and (crit / ESTIMATES).is_file()


def argon2_reference(tmp_root: pathlib.Path, env: dict) -> tuple[float, str]:
    """One argon2id hash (ns) with the configured parameters, and where it
    came from. The bench runs with the servers' OXIDP__ environment, so its
    Settings::load sees the same argon2 parameters."""
    ns = override_ns()
    if ns is not None:
        log(f"reference: argon2id taken from BENCH_ARGON2_NS={os.environ['BENCH_ARGON2_NS']} (harness testing only)")
        return ns, "BENCH_ARGON2_NS override (not measured)"
    crit, log_file = tmp_root / "criterion", tmp_root / "argon2-bench.log"
    log("reference: cargo bench --bench crypto -- argon2id")
    if not _criterion(crit, env, 900, log_file, []):
        raise BenchError(
            "the argon2id reference needs the criterion bench 'crypto' (benches/crypto.rs, benchmark "
            "argon2id/hash_configured_params): 'cargo bench --bench crypto -- argon2id' failed or wrote no "
            f"{crit / ESTIMATES}. Set BENCH_ARGON2_NS only to test the harness without it.",
            ("", tail(log_file, 15), "  cargo| "))
    return read_estimate_ns(crit / ESTIMATES), "criterion, benches/crypto.rs argon2id/hash_configured_params (mean)"


def argon2_ms_now(tmp_root: pathlib.Path, env: dict, tag: str) -> float:
    """One argon2id hash in ms right now: a short criterion run of the
    reference bench (already built by argon2_reference)."""
    ns = override_ns()
    if ns is not None:
        return round_to(ns / 1e6, 4)
    crit, log_file = tmp_root / f"criterion-{tag}", tmp_root / "argon2-bench.log"
    if not _criterion(crit, env, 300, log_file, ["--warm-up-time", "1", "--measurement-time", "3"]):
        raise BenchError("argon2id bench failed", ("", tail(log_file, 15), "  cargo| "))
    return read_estimate_ns(crit / ESTIMATES) / 1e6
