"""Fixed settings of the harness, in one place so the report's Method
section, the scenarios and the tests all read the same numbers."""

import base64
import hashlib
import os
import pathlib
import urllib.parse

BENCH_DIR = pathlib.Path(__file__).resolve().parent.parent
ROOT = BENCH_DIR.parent

WARMUP = 2  # unmeasured seconds before each measured run
THREADS = 2  # wrk threads, every run
RATIO_CONNS = 32  # one setting for /healthz and every req/s-ratio scenario
CC_CONNS = 16  # client_credentials CPU and p99 figures
PEAK_CONNS = 64  # client_credentials run for the peak RSS
EXCHANGE_CONNS = 16
LOGIN_WORKERS = 4  # the server bounds concurrent argon2 hashes itself
DEFAULT_DURATION = 8
MAX_DURATION = 120  # codes live at most 600 s
NOISE_CORES = 0.15  # flag runs during which other processes used more CPU than this
STOP_GRACE_S = 5.0  # SIGTERM, then SIGKILL after this long

LOOPBACK = "127.0.0.1"  # the only address the harness ever loads
PG_HOST, PG_PORT, PG_USER = LOOPBACK, 5432, "postgres"
REDIS_HOST, REDIS_PORT = LOOPBACK, 6379

USERNAME = "bench"
PASSWORD = "correct horse battery staple"
CLIENT_ID = "bench"
REDIRECT_URI = "http://127.0.0.1:9/cb"  # never followed; nothing listens there
REDIRECT_URI_ENC = urllib.parse.quote(REDIRECT_URI, safe="")
API_SCOPE = "api.read"
VERIFIER = "bench-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"  # fixed PKCE verifier

CLK_TCK = os.sysconf("SC_CLK_TCK")

DISCOVERY_PATH = "/.well-known/openid-configuration"


def s256(verifier: str) -> str:
    """PKCE S256 challenge of a verifier."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_path(challenge: str) -> str:
    """The SSO authorize request every authorize run sends."""
    return (
        f"/authorize?response_type=code&client_id={CLIENT_ID}&redirect_uri={REDIRECT_URI_ENC}"
        f"&scope=openid%20profile%20email&state=s&code_challenge_method=S256&code_challenge={challenge}"
    )


def code_ttl(duration: int) -> int:
    """OXIDP__TOKENS__CODE_TTL: pre-generated codes must outlive
    pre-generation (<= WARMUP+duration+4 s) plus the exchange runs
    (WARMUP+duration s), and no longer than that plus a minute, so the codes
    of the authorize runs (about 2e5 in Redis) do not linger. The server
    accepts at most 600 s."""
    return min(600, 60 + 2 * (WARMUP + duration + 4))
