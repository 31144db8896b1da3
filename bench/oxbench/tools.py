"""The tools the harness needs (wrk is installed with apt if missing) and
the machine description at the top of the report."""

import os
import pathlib
import re
import shutil
import subprocess

from . import procs
from .log import BenchError, log
from .report import Machine


def ensure_tools(backends: list[str]) -> None:
    if not shutil.which("wrk"):
        log("installing wrk")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        if procs.run_bounded(["apt-get", "install", "-y", "wrk"], 600, **quiet) != 0:
            if (procs.run_bounded(["apt-get", "update"], 600, **quiet) != 0
                    or procs.run_bounded(["apt-get", "install", "-y", "wrk"], 600, **quiet) != 0):
                raise BenchError("wrk is missing and apt-get could not install it")
        if not shutil.which("wrk"):
            raise BenchError("wrk is missing and apt-get could not install it")
    for tool in ("cargo", "git", "openssl"):
        if not shutil.which(tool):
            raise BenchError(f"{tool} is required")
    if "pg-redis" in backends and not shutil.which("psql"):
        raise BenchError("psql is required for pg-redis")


def parse_cpu_model(cpuinfo: str) -> str:
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return ""


def parse_mem_total_gib(meminfo: str) -> float:
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1048576
    raise ValueError("no MemTotal in /proc/meminfo")


def _stdout(cmd: list[str]) -> str:
    try:
        result = procs.output(cmd, limit=30)
    except OSError:
        return ""
    return result.stdout + result.stderr


def machine_info() -> Machine:
    cpu = parse_cpu_model(pathlib.Path("/proc/cpuinfo").read_text())
    if not cpu:
        m = re.search(r"^Model name:\s*(.+)$", _stdout(["lscpu"]), re.M)
        cpu = m.group(1).strip() if m else "unknown"
    rustc = _stdout(["rustc", "--version"]).strip() or "unknown"
    wrk = " ".join(_stdout(["wrk", "-v"]).split()[:2])  # "wrk debian/4.1.0-3+b2"
    return Machine(
        cpu_model=cpu,
        cores=len(os.sched_getaffinity(0)),
        ram_gib=parse_mem_total_gib(pathlib.Path("/proc/meminfo").read_text()),
        kernel=os.uname().release,
        rustc=rustc.splitlines()[0],
        wrk=wrk or "unknown",
    )
