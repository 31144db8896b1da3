"""The harness from start to end: tools, build, references, each backend,
the report, the exit status; and the clean-up that runs whatever happens."""

import pathlib
import shutil
import sys
import tempfile
import time
import traceback

from . import config, procs
from .backend import Run
from .build import argon2_reference, build
from .cli import parse_args
from .log import BenchError, log
from .report import Report, render
from .scenarios import run_backend
from .tools import ensure_tools, machine_info


def execute(run: Run) -> int:
    started = time.monotonic()
    opts = run.opts
    if not pathlib.Path(opts.out).parent.is_dir():  # before minutes of runs, not after
        raise BenchError(f"--out: no directory {pathlib.Path(opts.out).parent}")
    run.tmp_root = pathlib.Path(tempfile.mkdtemp(prefix="oxidp-bench."))
    ensure_tools(opts.backends)
    run.binary, run.commit = build(run.tmp_root, run.env)
    machine = machine_info()
    # Settings shared by every backend (and seen by the argon2id bench).
    # Every load generator is one loopback address: its cap on pending logins
    # (login.max_pending_per_address) and the per-address rate limits would
    # refuse a long run; the total cap stays on, so its cost is in the
    # figures, and so does the rate limits' counting (a limit too high to
    # reach, not 0, which skips it).
    unreachable = "1000000"
    run.env.update(OXIDP__TOKENS__CODE_TTL=str(config.code_ttl(opts.duration)), OXIDP__LOG__LEVEL="warn",
                   OXIDP__LOGIN__MAX_PENDING_PER_ADDRESS="0",
                   OXIDP__RATE_LIMITS__AUTHORIZE=unreachable, OXIDP__RATE_LIMITS__LOGIN=unreachable,
                   OXIDP__RATE_LIMITS__TOKEN=unreachable)
    toml = config.ROOT / "oxidp.toml"
    if toml.exists():
        # cargo runs the bench in the repo root, the servers run in temp dirs.
        log(f"note: {toml} exists: the argon2id bench reads it, the bench servers do not")
        run.notes.append(f"{toml} existed: the argon2id bench read it, the bench servers did not "
                         "(compare its [login] settings)")
    run.argon2_ns, run.argon2_source = argon2_reference(run.tmp_root, run.env)
    for name in opts.backends:
        run_backend(run, name)
    text, misses = render(Report(
        backend_opt=opts.backend, duration=opts.duration, generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        commit=run.commit, machine=machine, argon2_ns=run.argon2_ns, argon2_source=run.argon2_source,
        backends=opts.backends, results=run.results, notes=run.notes))
    pathlib.Path(opts.out).write_text(text)
    sys.stdout.write(text)
    sys.stdout.flush()
    log(f"wrote {opts.out} in {int(time.monotonic() - started)} s")
    if misses:
        log(f"{len(misses)} target(s) missed:")
        sys.stderr.write("".join(f"  {m}\n" for m in misses))
        return 2
    return 0


def _step(what: str, action) -> None:
    try:
        action()
    except Exception as e:  # clean up as much as possible, whatever fails
        log(f"clean-up: {what} failed: {e}")


def cleanup(run: Run) -> None:
    """Children (wrk, driver, cargo) by group, then the server by PID, the
    bench database and Redis keys, the temp dirs. Idempotent."""
    _step("stopping child processes", procs.stop_all)
    _step("removing the bench database and Redis keys", run.stores.clean)
    if run.tmp_root is not None:
        _step(f"removing {run.tmp_root}", lambda: shutil.rmtree(run.tmp_root))


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    run = Run(opts)
    procs.install_handlers()
    status = 1
    try:
        status = execute(run)
    except BenchError as e:
        e.show()
    except procs.Interrupted as e:
        log("interrupted" if e.signum == 2 else "terminated")
        status = e.status
    except Exception:
        traceback.print_exc()
        log("ERROR: the harness crashed (see the traceback above)")
    finally:
        procs.ignore_signals()
        cleanup(run)
    return status


if __name__ == "__main__":
    sys.exit(main())
