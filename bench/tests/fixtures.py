"""Fixed results: the figures of the committed BENCHMARKS.md (2026-11-24,
commit d6afad5), so the rendered report can be compared with it line by line."""

from oxbench.report import Machine, Report
from oxbench.results import BackendResults, Measured

NA = None

# scenario: (requests, rps, p50, p99, cpu_ms, store_ms, other) per backend
RAW = {
    "embedded": {
        "healthz": (753181, 94054.2, 0.24, 5.34, 0.0110, NA, 0.02),
        "client_credentials": (46183, 5759.4, 2.60, 5.79, 0.3179, NA, 0.01),
        "client_credentials_64": (44329, 5534.4, 11.74, 18.02, 0.3262, NA, 0.02),
        "healthz_jwks": (613993, 76673.9, 0.28, 4.03, 0.0135, NA, 0.02),
        "jwks": (697354, 87116.3, 0.29, 2.65, 0.0122, NA, 0.01),
        "healthz_discovery": (812212, 101448.6, 0.27, 5.75, 0.0102, NA, 0.04),
        "discovery": (740801, 92562.1, 0.29, 3.60, 0.0114, NA, 0.01),
        "healthz_userinfo": (713702, 89000.2, 0.23, 5.34, 0.0116, NA, 0.02),
        "userinfo": (378152, 47136.9, 0.48, 4.95, 0.0242, NA, 0.02),
        "healthz_sso_authorize": (771105, 96272.2, 0.25, 3.85, 0.0108, NA, 0.02),
        "sso_authorize": (322631, 40244.1, 0.68, 10.34, 0.0304, NA, 0.02),
        "code_exchange": (17481, 2180.2, 6.80, 16.94, 0.8226, NA, 0.01),
        "password_login": (378, 46.6, 84.65, 116.28, 21.5873, NA, 0.01),
    },
    "pg-redis": {
        "healthz": (557896, 69642.5, 0.30, 3.91, 0.0149, 0.0000, 0.03),
        "client_credentials": (40991, 5116.5, 2.84, 7.19, 0.3523, 0.0005, 0.02),
        "client_credentials_64": (44374, 5475.5, 11.48, 18.15, 0.3322, 0.0005, 0.01),
        "healthz_jwks": (693927, 86638.6, 0.28, 3.86, 0.0120, 0.0000, 0.01),
        "jwks": (647049, 80843.2, 0.32, 4.04, 0.0130, 0.0000, 0.02),
        "healthz_discovery": (714719, 89319.7, 0.30, 2.37, 0.0117, 0.0000, 0.01),
        "discovery": (681157, 85127.5, 0.32, 2.24, 0.0124, 0.0000, 0.01),
        "healthz_userinfo": (858384, 107290.3, 0.27, 2.73, 0.0099, 0.0000, 0.01),
        "userinfo": (327133, 40876.9, 0.71, 2.23, 0.0294, 0.0061, 0.02),
        "healthz_sso_authorize": (798062, 99604.5, 0.26, 4.01, 0.0105, 0.0000, 0.01),
        "sso_authorize": (175129, 21887.5, 1.36, 3.19, 0.0526, 0.0148, 0.00),
        "code_exchange": (13072, 1628.9, 9.56, 18.10, 0.8017, 0.2448, 0.00),
        "password_login": (416, 51.6, 76.47, 103.32, 19.9038, 0.5048, 0.00),
    },
}


def results() -> dict[str, BackendResults]:
    embedded = BackendResults(
        runs={k: Measured(*v) for k, v in RAW["embedded"].items()},
        sign_per_s=3931.7, sign_ms=0.2543,
        sign_ms_around={"client_credentials": 0.2514, "code_exchange": 0.2758},
        argon2_ms=17.5646, start_ms=33.9, idle_rss_mb=23.2, peak_rss_mb=26.3)
    pg = BackendResults(
        runs={k: Measured(*v) for k, v in RAW["pg-redis"].items()},
        sign_per_s=3808.3, sign_ms=0.2626,
        sign_ms_around={"client_credentials": 0.2682, "code_exchange": 0.2485},
        argon2_ms=15.9772, idle_rss_mb=23.0, peak_rss_mb=24.8, redis_per_authorize=2.00)
    return {"embedded": embedded, "pg-redis": pg}


NOTES = [
    "embedded start-up times (ms): 41.9 31.5 34.4 28.7 33.9",
    "embedded: peak RSS since start (VmHWM) when idle RSS was read: 41.3 MB",
    "embedded code_exchange: 69131 codes pre-generated (69113 wanted), 13826 of them for the warm-up",
    "pg-redis: peak RSS since start (VmHWM) when idle RSS was read: 40.7 MB",
    "pg-redis: 350306 Redis commands for 175129 SSO authorize requests",
    "pg-redis code_exchange: 61399 codes pre-generated (61398 wanted), 12279 of them for the warm-up",
]


def report(**overrides) -> Report:
    fields = dict(
        backend_opt="all", duration=8, generated="2026-11-24 20:17 UTC", commit="d6afad5",
        machine=Machine("AMD EPYC", 2, 23.5, "6.18.44-fc-v657", "rustc 1.95.0 (59807616e 2026-04-14)",
                        "wrk debian/4.1.0-3+b2"),
        argon2_ns=20.44e6, argon2_source="criterion, benches/crypto.rs argon2id/hash_configured_params (mean)",
        backends=["embedded", "pg-redis"], results=results(), notes=list(NOTES))
    fields.update(overrides)
    return Report(**fields)
