"""Small arithmetic the scenarios share: the median of the start times and
how many codes the code-exchange run needs (pre-generated, each used once)."""

import math

from . import config
from .sampling import round_to


def median(values: list[float]) -> float:
    """The middle value (the lower middle for an even count)."""
    if not values:
        raise ValueError("median of nothing")
    ordered = sorted(values)
    return ordered[(len(ordered) + 1) // 2 - 1]


def codes_needed(cc_rps: float, duration: int, warmup: int = config.WARMUP) -> int:
    """An exchange is strictly more server work than a client_credentials
    token (one more signature, a refresh token written, the code taken), so
    at the same concurrency it runs no faster: the client_credentials rate x
    (warm-up + duration) x 1.2 codes are enough."""
    return int(round_to(cc_rps * (warmup + duration) * 1.2, 0))


def pregeneration_seconds(needed: int, sso_rps: float, duration: int, warmup: int = config.WARMUP) -> int:
    """The pre-generation run lasts the time the measured SSO authorize rate
    needs for the codes (+2.5 s), at most warm-up + duration + 4 s."""
    return min(int(round_to(needed / sso_rps + 2.5, 0)), warmup + duration + 4)


def codes_per_thread(needed: int, threads: int = config.THREADS) -> int:
    """Each wrk thread stops once it has this many codes (they fill the store)."""
    return math.ceil(needed / threads)


def warmup_share(total: int, duration: int, warmup: int = config.WARMUP) -> int:
    """Codes for the exchange warm-up: its share of warm-up + duration."""
    return total * warmup // (warmup + duration)


def split_round_robin(lines: list[str], parts: int = config.THREADS) -> list[list[str]]:
    """Line i goes to part i mod parts: one input file per wrk thread."""
    return [lines[i::parts] for i in range(parts)]
