"""Child processes and signals.

Every child runs in its own process group, so a Ctrl-C on the terminal
reaches only the harness, which then stops each child itself: the server by
its PID (SIGTERM, SIGKILL after 5 s), load generators and cargo by their
group. Every live child is registered, so the final clean-up finds them all
whatever failed. SIGINT and SIGTERM raise `Interrupted`; inside `deferred()`
(spawning a child and registering it) they wait until the block ends, so no
child can be started without being registered.
"""

import contextlib
import os
import signal
import subprocess
import time

from . import config, sampling
from .log import log


class Interrupted(BaseException):
    """SIGINT or SIGTERM: the run stops with status 128 + signal number."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def status(self) -> int:
        return 128 + self.signum


_critical = 0
_pending: int | None = None
_live: dict[subprocess.Popen, bool] = {}  # child -> signal its whole group


def _on_signal(signum, _frame):
    global _pending
    if _critical:
        _pending = _pending or signum
        return
    raise Interrupted(signum)


def install_handlers() -> None:
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)


def ignore_signals() -> None:
    """For the final clean-up: a second Ctrl-C must not cut it short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


@contextlib.contextmanager
def deferred():
    global _critical, _pending
    _critical += 1
    try:
        yield
    finally:
        _critical -= 1
        if not _critical and _pending:
            signum, _pending = _pending, None
            raise Interrupted(signum)


def spawn(cmd: list, *, group_kill: bool = True, **kwargs) -> subprocess.Popen:
    """Starts cmd in a new process group and registers it for clean-up."""
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    with deferred():
        proc = subprocess.Popen([str(c) for c in cmd], process_group=0, **kwargs)
        _live[proc] = group_kill
    return proc


def _send(proc: subprocess.Popen, sig: int, group: bool) -> None:
    try:
        if group:
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
    except ProcessLookupError:
        pass


def stop(proc: subprocess.Popen, grace: float = config.STOP_GRACE_S) -> None:
    """SIGTERM, then SIGKILL if it is still there after `grace` seconds;
    reaps it. Load generators and cargo are signalled as a whole process
    group (until no member is left); the server (group_kill=False) by PID."""
    group = _live.get(proc, True)

    def running() -> bool:
        return proc.poll() is None or (group and sampling.group_alive(proc.pid))

    if running():
        _send(proc, signal.SIGTERM, group)
        deadline = time.monotonic() + grace
        while running() and time.monotonic() < deadline:
            time.sleep(0.02)
        if running():
            log(f"{os.path.basename(proc.args[0])} ({proc.pid}) ignored SIGTERM for {grace:g} s; sending SIGKILL")
            _send(proc, signal.SIGKILL, group)
    proc.wait()
    _live.pop(proc, None)


def stop_all() -> None:
    """Clean-up: every child still registered."""
    for proc in list(_live):
        stop(proc)


def live() -> list[subprocess.Popen]:
    return list(_live)


TIMED_OUT = 124  # the status `timeout` gives, for the same case


def run_bounded(cmd: list, limit: float | None, **kwargs) -> int:
    """Runs cmd to completion, at most `limit` seconds (a safety net: every
    load run here is bounded by its own duration); returns its status."""
    proc = spawn(cmd, **kwargs)
    try:
        return proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        log(f"{os.path.basename(str(cmd[0]))} still running after {limit:g} s: stopping it")
        stop(proc)
        return TIMED_OUT
    finally:
        stop(proc)  # also whatever it left in its group


def output(cmd: list, limit: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """A short command's status, stdout and stderr (text), bounded in time."""
    proc = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    try:
        out, err = proc.communicate(timeout=limit)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    except subprocess.TimeoutExpired:
        stop(proc)
        return subprocess.CompletedProcess(proc.args, TIMED_OUT, "", f"timed out after {limit:g} s")
    finally:
        stop(proc)  # also whatever it left in its group
