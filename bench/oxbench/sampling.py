"""CPU and memory counters from /proc, read right before and after each
measured run: the server's own CPU per request is the figure the targets
divide, and the rest of the machine's CPU tells whether the run was noisy."""

import dataclasses
import os
import pathlib
import time

from . import config

PROC = pathlib.Path("/proc")
STORE_COMMS = ("postgres", "redis-server")


def split_pid_stat(text: str) -> tuple[str, list[str]]:
    """comm and the fields after it (fields[0] is field 3, the state) of
    /proc/PID/stat. comm may hold spaces and parentheses, so it ends at the
    *last* ')'."""
    head, sep, rest = text.rpartition(")")
    if not sep or "(" not in head:
        raise ValueError(f"not a /proc/PID/stat line: {text[:80]!r}")
    fields = rest.split()
    if len(fields) < 13:
        raise ValueError(f"truncated /proc/PID/stat line: {text[:80]!r}")
    return head.split("(", 1)[1], fields


def parse_pid_stat(text: str) -> tuple[str, str, int]:
    """(comm, state, utime + stime in ticks): utime, stime are fields 14, 15."""
    comm, fields = split_pid_stat(text)
    return comm, fields[0], int(fields[11]) + int(fields[12])


def group_alive(pgid: int) -> bool:
    """Whether any process of group pgid is still running (zombies aside):
    a stopped cargo must not leave its bench binary behind."""
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            _comm, fields = split_pid_stat((entry / "stat").read_text())
        except (OSError, ValueError):
            continue  # gone meanwhile
        if int(fields[2]) == pgid and fields[0] != "Z":  # field 5 is the process group
            return True
    return False


def parse_busy_ticks(text: str) -> int:
    """Non-idle CPU time of the whole machine from /proc/stat: user, nice,
    system, irq, softirq, steal (idle and iowait left out)."""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
            return user + nice + system + irq + softirq + steal
    raise ValueError("no aggregate 'cpu' line in /proc/stat")


def parse_status_kb(text: str, key: str) -> int:
    """A kB field (VmRSS, VmHWM) of /proc/PID/status."""
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name == key:
            return int(value.split()[0])
    raise ValueError(f"no {key} in /proc/PID/status")


def cpu_ticks(pid: int) -> int:
    return parse_pid_stat((PROC / str(pid) / "stat").read_text())[2]


def is_alive(pid: int) -> bool:
    """Running and not a zombie."""
    try:
        return parse_pid_stat((PROC / str(pid) / "stat").read_text())[1] != "Z"
    except (OSError, ValueError):
        return False


def status_kb(pid: int, key: str) -> int:
    return parse_status_kb((PROC / str(pid) / "status").read_text(), key)


def mb(kb: int) -> float:
    return round_to(kb / 1024, 1)


def busy_ticks() -> int:
    return parse_busy_ticks((PROC / "stat").read_text())


def store_ticks(comms=STORE_COMMS) -> int:
    """CPU of every PostgreSQL and Redis server process on this machine."""
    total = 0
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, _state, ticks = parse_pid_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        if comm in comms:
            total += ticks
    return total


def children_ticks() -> float:
    """CPU of this process's finished children (wrk, the login driver)."""
    t = os.times()
    return (t.children_user + t.children_system) * config.CLK_TCK


def round_to(value: float, decimals: int) -> float:
    """The value as the report prints it (printf rounding), so every ratio is
    computed from the figures shown next to it."""
    return float(f"{value:.{decimals}f}")


def other_cores(busy: float, server: float, store: float, kids: float, seconds: float) -> float:
    """Cores used on average by anything but the server, its stores and our
    load generator; never below 0."""
    value = (busy - server - store - kids) / config.CLK_TCK / seconds
    return round_to(max(0.0, value), 2)


@dataclasses.dataclass
class Sample:
    server_ticks: int
    store_ticks: int
    other: float


class Sampler:
    """Brackets one measured run. Store CPU counts for pg-redis only (it is
    part of that backend's cost); on embedded it is just 'other load'."""

    def __init__(self, pid: int, with_stores: bool):
        self.pid, self.with_stores = pid, with_stores

    def start(self) -> None:
        self.cpu, self.busy, self.store = cpu_ticks(self.pid), busy_ticks(), store_ticks()
        self.kids, self.t0 = children_ticks(), time.monotonic()

    def stop(self) -> Sample:
        kids = children_ticks() - self.kids
        seconds = time.monotonic() - self.t0
        server = cpu_ticks(self.pid) - self.cpu
        store = store_ticks() - self.store if self.with_stores else 0
        busy = busy_ticks() - self.busy
        return Sample(server, store, other_cores(busy, server, store, kids, seconds))
