"""The RSA-2048 signature reference: `openssl speed rsa2048`, one core.

OpenSSL 3.0/3.1 print "rsa 2048 bits" rows under a "sign verify sign/s
verify/s" header; 3.2 and later add encrypt/decrypt columns, widen the
label to "rsa  2048 bits" and append KEM and signature tables whose rows
are labelled "rsa2048". The rate is read from the first table that has a
sign/s column and an RSA-2048 row, by column position."""

import re

from . import procs
from .log import BenchError

_TIME = re.compile(r"^\d+(\.\d+)?s$")  # "0.000415s": a data column
_RSA2048 = re.compile(r"^rsa\s*2048(\s+bits)?$")


def parse_sign_rate(output: str) -> float:
    """RSA-2048 signatures per second from `openssl speed` output."""
    column = None  # index of "sign/s" among the last header's columns
    for line in output.splitlines():
        words = line.split()
        first_data = next((i for i, w in enumerate(words) if _TIME.match(w)), None)
        if first_data is None:
            if any(w.endswith("/s") for w in words):  # a table header
                column = words.index("sign/s") if "sign/s" in words else None
            continue
        if column is None or first_data == 0:
            continue
        if _RSA2048.match(" ".join(words[:first_data])):
            try:
                rate = float(words[first_data + column])
            except (IndexError, ValueError):
                break
            if rate > 0:
                return rate
            break
    raise ValueError(f"cannot parse openssl speed output: {output.strip()}")


def sign_rate(seconds: int, env: dict) -> float:
    """Runs `openssl speed -seconds N rsa2048` (sign and verify, ~2N s)."""
    result = procs.output(["openssl", "speed", "-seconds", str(seconds), "rsa2048"],
                          limit=2 * seconds + 60, env=env)
    if result.returncode != 0:
        raise BenchError(f"openssl speed failed (status {result.returncode}): {result.stderr.strip()[-300:]}")
    try:
        return parse_sign_rate(result.stdout)
    except ValueError as e:
        raise BenchError(str(e)) from None
