"""The authorization_code exchange: codes come from an unmeasured SSO
authorize run, each is used once (a replayed code is a 400 and revokes what
it issued), split between the wrk threads; the first share feeds the warm-up."""

import pathlib

from . import config, wrk
from .backend import Backend, measured, signature_ms_around
from .figures import codes_needed, codes_per_thread, pregeneration_seconds, split_round_robin, warmup_share
from .log import log


def read_codes(directory: pathlib.Path, prefix: str) -> list[str]:
    """Codes of every thread's file prefix.0, prefix.1, ... in thread order."""
    files = sorted(directory.glob(f"{prefix}.*"), key=lambda p: int(p.suffix[1:]))
    return [line for f in files for line in f.read_text().splitlines() if line]


def write_split(prefix: pathlib.Path, codes: list[str]) -> None:
    """Round-robin into prefix.0 .. prefix.(THREADS-1), all created."""
    for i, part in enumerate(split_round_robin(codes, config.THREADS)):
        pathlib.Path(f"{prefix}.{i}").write_text("".join(c + "\n" for c in part))


def code_exchange(b: Backend) -> None:
    """The pre-generation run stops at the codes needed (they fill the
    server's store, in process or in Redis) or after the time the measured
    SSO authorize rate needs for them, at most warm-up + duration + 4 s."""
    directory = b.work / "codes"
    directory.mkdir()
    needed = codes_needed(b.res.runs["client_credentials"].rps, b.duration)
    pregen = pregeneration_seconds(needed, b.res.runs["sso_authorize"].rps, b.duration)
    log(f"{b.name}: pre-generating up to {needed} codes (SSO authorize, unmeasured, {pregen} s at most)")
    env = {"BENCH_REDIRECT_URI": config.REDIRECT_URI, "BENCH_CODES_OUT": str(directory / "raw"),
           "BENCH_CODES_MAX": str(codes_per_thread(needed))}
    result = wrk.run(b, "code_pregeneration", config.RATIO_CONNS, pregen, "authorize.lua",
                     config.authorize_path(b.challenge), ["-H", f"Cookie: {b.cookie}"], env)
    codes = read_codes(directory, "raw")
    if len(codes) != result.ok:
        raise wrk.scenario_failed(b, "code_pregeneration", f"wrote {len(codes)} codes for {result.ok} redirects")
    warm = warmup_share(len(codes), b.duration)
    b.note(f"{b.name} code_exchange: {len(codes)} codes pre-generated ({needed} wanted), "
           f"{warm} of them for the warm-up")
    write_split(directory / "warm", codes[:warm])
    write_split(directory / "measured", codes[warm:])

    env = {"BENCH_BASIC": b.basic, "BENCH_REDIRECT_URI_ENC": config.REDIRECT_URI_ENC,
           "BENCH_VERIFIER": config.VERIFIER}
    log(f"{b.name}: code_exchange ({len(codes)} codes)")
    wrk.run(b, "code_exchange-warmup", config.EXCHANGE_CONNS, config.WARMUP, "code_exchange.lua", "/token",
            env={**env, "BENCH_CODES_IN": str(directory / "warm")})
    result = signature_ms_around(b, "code_exchange", lambda: measured(
        b, "code_exchange", config.EXCHANGE_CONNS, b.duration, "code_exchange.lua", "/token",
        env={**env, "BENCH_CODES_IN": str(directory / "measured")}))
    if result.exhausted > 0:
        b.note(f"{b.name} code_exchange: {result.exhausted} of {config.THREADS} wrk threads ran out of codes "
               "before the end (the CPU per exchange stays valid; req/s does not)")
