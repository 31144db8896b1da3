"""Command line: which backends, how long each measured run lasts, where
the report goes. Bad arguments exit 1, like every other failure (2 is kept
for "a target was missed")."""

import argparse
import dataclasses
import os
import re
import sys

from . import config

USAGE = """\
Load harness for oxidp: builds the release binary, runs each backend in a
fresh work dir on a free loopback port, drives it with wrk (bench/*.lua)
and bench/login_driver.py, and writes a markdown report (BENCHMARKS.md).

Exit status: 0 all targets met; 2 every scenario ran cleanly but a target
was missed (the report is still written); 1 anything else, e.g. a scenario
with non-2xx/3xx answers or socket errors; 130/143 on SIGINT/SIGTERM.

Testing the harness only: BENCH_ARGON2_NS=<nanoseconds> replaces the
criterion argon2id reference (benches/crypto.rs)."""


@dataclasses.dataclass(frozen=True)
class Options:
    backend: str  # embedded, pg-redis or all
    duration: int  # seconds per measured run
    out: str  # absolute path of the report

    @property
    def backends(self) -> list[str]:
        return ["embedded", "pg-redis"] if self.backend == "all" else [self.backend]


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def parse_args(argv: list[str] | None = None, cwd: str | None = None) -> Options:
    parser = _Parser(prog="bench/run.py", description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="all", choices=("embedded", "pg-redis", "all"))
    parser.add_argument("--duration", default=str(config.DEFAULT_DURATION), metavar="SECS",
                        help=f"seconds per measured run (default {config.DEFAULT_DURATION}, at most "
                             f"{config.MAX_DURATION})")
    parser.add_argument("--out", default=str(config.ROOT / "BENCHMARKS.md"), metavar="FILE",
                        help="report file (default BENCHMARKS.md in the repository root)")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[1-9][0-9]*", args.duration):
        parser.error("--duration must be a whole number of seconds")
    duration = int(args.duration)
    if duration > config.MAX_DURATION:
        parser.error(f"--duration is capped at {config.MAX_DURATION} s (codes live at most 600 s)")
    out = os.path.join(cwd or os.getcwd(), args.out)  # an absolute --out stays as it is
    return Options(args.backend, duration, os.path.normpath(out))
