"""wrk runs and their BENCH_RESULT line (written by bench/common.lua).

A run counts only if every answer was good: any socket error, status >= 400
or answer the script's check rejected fails the whole harness (status 1),
since a figure over failed requests would measure the failure path."""

import dataclasses
import pathlib
import urllib.parse

from . import config, procs
from .log import BenchError, tail

FIELDS = (
    "requests", "duration_us", "connect", "read", "write", "status", "timeout",
    "p50_us", "p99_us", "checked", "ok", "bad", "exhausted",
)


@dataclasses.dataclass
class WrkResult:
    requests: int
    duration_us: int
    connect: int
    read: int
    write: int
    status: int
    timeout: int
    p50_us: int
    p99_us: int
    checked: int
    ok: int
    bad: int
    exhausted: int
    bad_lines: list[str] = dataclasses.field(default_factory=list)

    @property
    def successes(self) -> int:
        """Checked successes where the script checks answers, else all requests."""
        return self.ok if self.checked == 1 else self.requests


def parse_output(text: str) -> WrkResult:
    """The first BENCH_RESULT line and every BENCH_BAD line of wrk's output."""
    result, bad_lines = None, []
    for line in text.splitlines():
        if line.startswith("BENCH_RESULT ") and result is None:
            pairs = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
            missing = [f for f in FIELDS if f not in pairs]
            if missing:
                raise ValueError(f"BENCH_RESULT without {', '.join(missing)}: {line}")
            result = {f: int(pairs[f]) for f in FIELDS}
        elif line.startswith("BENCH_BAD "):
            bad_lines.append(line[len("BENCH_BAD "):])
    if result is None:
        raise ValueError("no BENCH_RESULT line from wrk")
    return WrkResult(**result, bad_lines=bad_lines)


def rejection(r: WrkResult) -> str | None:
    """Why this run cannot be used, or None."""
    errors = r.connect + r.read + r.write + r.timeout
    if errors:
        return (f"{errors} socket errors (connect {r.connect}, read {r.read}, "
                f"write {r.write}, timeout {r.timeout})")
    if r.status:
        return f"{r.status} responses with status >= 400"
    if r.bad:
        first = f"; first: {r.bad_lines[0]}" if r.bad_lines else ""
        return f"{r.bad} unexpected responses (see BENCH_BAD){first}"
    if r.requests <= 0:
        return "no completed requests"
    return None


def loopback_url(issuer: str, path: str) -> str:
    """issuer + path, refusing anything but 127.0.0.1."""
    url = issuer + path
    if urllib.parse.urlsplit(url).hostname != config.LOOPBACK:
        raise BenchError(f"refusing to load {url}: only {config.LOOPBACK} may be loaded")
    return url


def command(conns: int, secs: int, script: str, url: str, extra=()) -> list[str]:
    return ["wrk", f"-t{config.THREADS}", f"-c{conns}", f"-d{secs}s",
            "-s", str(config.BENCH_DIR / script), *extra, url]


def scenario_failed(ctx, label: str, reason: str, log_file: pathlib.Path | None = None) -> BenchError:
    """The error for a failed run: which scenario, and what wrk said."""
    dumps = []
    if log_file is not None and log_file.exists():
        dumps.append(("", tail(log_file, 60), "  wrk| "))
    return BenchError(f"scenario '{label}' ({ctx.name}) FAILED: {reason}", *dumps)


def run(ctx, label: str, conns: int, secs: int, script: str, path: str,
        extra=(), env: dict | None = None) -> WrkResult:
    """One wrk run (bounded: its duration + 60 s at most), checked."""
    out = ctx.work / f"wrk-{label}.log"
    cmd = command(conns, secs, script, loopback_url(ctx.issuer, path), extra)
    with open(out, "w") as f:
        rc = procs.run_bounded(cmd, secs + 60, stdout=f, stderr=f, env={**ctx.env, **(env or {})})
    if rc != 0:
        raise scenario_failed(ctx, label, f"wrk exited with status {rc}", out)
    try:
        result = parse_output(out.read_text(errors="replace"))
    except ValueError as e:
        raise scenario_failed(ctx, label, str(e), out) from None
    reason = rejection(result)
    if reason:
        raise scenario_failed(ctx, label, reason, out)
    return result
