#!/usr/bin/env python3
"""Instructions per request of a release binary under callgrind, which counts
instructions rather than time, so the load on this shared VM does not matter.

    python3 bench/callgrind.py --binary PATH [--scenarios a,b] [--n N1,N2]
                               [--rounds 3] [--out-dir DIR]

One embedded-backend server (SQLite, in-process store) runs under
`valgrind --tool=callgrind` on a free loopback port, provisioned like the
harness's (bench/oxbench: one user, one confidential client) and with its
signing keys created by a native first start. A browser login gives the SSO
cookie. Then, per scenario and round, for each N: unmeasured preparation and
a few warm-up requests, a dump (thrown away: it starts the period), N
sequential requests on one new keep-alive connection (every answer
checked), a dump. Round 0 of each scenario is thrown away (the first
requests a worker thread serves pay one-time costs).
Per request = (total(N2) - total(N1)) / (N2 - N1) within a round, which
cancels what every block costs once (the connection, the first poll); the
median of the rounds is reported.

Background jobs: the key poller, janitor and JWK-Set prune are set to run
once a day, so none falls into a block (a key poll alone costs ~1e8
instructions); the cache revalidation (every second) stays, and an idle
block as long as the longest measured one tells how much it adds (about
5e4 instructions a second, under 0.1 % of any figure here).

RSA signatures: OpenSSL renews an RSA key's blinding factors every 32
signatures (BN_BLINDING_create_param, ~4.7e6 instructions), so a block of
the token endpoints holds one renewal more or less than its N predicts and
their per-request figures move by ~2e4 between rounds. Each block's
inclusive cost of that function (callgrind_annotate) is also subtracted:
"without blinding" is the exact figure to compare, the plain one includes
the renewals' amortized cost.

Session rewrites (servers with idle timers rewrite a session at most once
a minute, by compare-and-swap in the ephemeral store): each block reports
the calls to the store's swap its profile holds.

Scenarios: sso_authorize (GET /authorize with the session cookie -> 302 with
a code), code_exchange (POST /token, codes made by SSO authorize before the
block), refresh (POST /token grant_type=refresh_token, each answer's refresh
token used next), userinfo (GET with a JWT access token), client_credentials
(POST /token, Basic auth).

The dumps stay in --out-dir (callgrind_annotate them to attribute a
difference); the summary is printed as JSON lines. Loopback only; every wait
is bounded."""

import argparse
import http.client
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from oxbench import config, procs  # noqa: E402
from oxbench.log import BenchError, log  # noqa: E402
from oxbench.server import Server, free_port, provision, wait_ok  # noqa: E402

SCENARIOS = ("sso_authorize", "code_exchange", "refresh", "userinfo", "client_credentials")
WARMUP_REQUESTS = 5
# Token endpoints sign with RSA (millions of instructions each): fewer requests.
DEFAULT_N = {"sso_authorize": (500, 2500), "userinfo": (500, 2500), "code_exchange": (50, 250),
             "refresh": (50, 250), "client_credentials": (50, 250)}


BLINDING = "BN_BLINDING_create_param"


# ---- pure helpers (tested in bench/tests/test_callgrind.py) ----

def annotated_inclusive(annotate_output: str, function: str) -> int:
    """A function's inclusive Ir in `callgrind_annotate --inclusive=yes`
    output (its largest line, if inlining split it; 0 if absent)."""
    best = 0
    for line in annotate_output.splitlines():
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)  (.*)$", line)
        if not m or m.group(2).startswith(("=>", "<", "*", ">")):
            continue
        name = re.sub(r" \[[^\]]*\]$", "", m.group(2)).split(":", 1)[-1]
        if name == function:
            best = max(best, int(m.group(1).replace(",", "")))
    return best


def parse_totals(text: str) -> tuple[int, int | None]:
    """(summary, totals) of a callgrind dump: `summary:` is callgrind's event
    counter for the dump's period, `totals:` the sum of its cost lines
    (None when absent). They agree when every cost line belongs to the
    period."""
    summary = totals = None
    for line in text.splitlines():
        if line.startswith("summary:"):
            summary = int(line[len("summary:"):].split()[0])
        elif line.startswith("totals:"):
            totals = int(line[len("totals:"):].split()[0])
    if summary is None:
        raise ValueError("no summary: line in the callgrind dump")
    return summary, totals


def call_counts(text: str, pattern: str) -> int:
    """Calls recorded in a dump to any function whose name matches `pattern`
    (a regex). Names are compressed: "(id) name" once, "(id)" after."""
    names: dict[str, str] = {}
    rx = re.compile(pattern)
    callee = None
    total = 0
    for line in text.splitlines():
        if line.startswith("cfn=") or line.startswith("fn="):
            ref = line.split("=", 1)[1]
            m = re.match(r"\((\d+)\)(?: (.*))?$", ref)
            if m:
                if m.group(2) is not None:
                    names[m.group(1)] = m.group(2)
                name = names.get(m.group(1), "")
            else:
                name = ref
            callee = name if line.startswith("cfn=") else None
        elif line.startswith("calls=") and callee is not None:
            if rx.search(callee):
                total += int(line[len("calls="):].split()[0])
            callee = None
    return total


def per_request(blocks: list[dict], key: str = "ir") -> list[float]:
    """Per round, (total(N2) - total(N1)) / (N2 - N1) from the round's two
    blocks (dicts with round, n and `key`)."""
    rounds: dict[int, list[dict]] = {}
    for b in blocks:
        rounds.setdefault(b["round"], []).append(b)
    out = []
    for r in sorted(rounds):
        by_n = sorted(rounds[r], key=lambda b: b["n"])
        lo, hi = by_n[0], by_n[-1]
        if hi["n"] == lo["n"]:
            raise ValueError(f"round {r}: two blocks of the same N")
        out.append((hi[key] - lo[key]) / (hi["n"] - lo["n"]))
    return out


# ---- the server under callgrind ----

class Http:
    """One keep-alive connection to the loopback server."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def __call__(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(config.LOOPBACK, self.port, timeout=300)
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        data = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, response.getheader("Location", ""), data

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Target:
    def __init__(self, binary: pathlib.Path, out_dir: pathlib.Path, work: pathlib.Path):
        self.binary, self.out_dir, self.work = binary, out_dir, work
        port = free_port()
        self.port = port
        self.issuer = f"http://{config.LOOPBACK}:{port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("OXIDP__")}
        self.env.update(OXIDP__ISSUER=self.issuer, OXIDP__SERVER__BIND=f"{config.LOOPBACK}:{port}",
                        OXIDP__KEYS__DIR=str(work / "keys"), OXIDP__DATABASE__URL=f"sqlite://{work}/oxidp.db",
                        OXIDP__TOKENS__CODE_TTL="600", OXIDP__LOG__LEVEL="warn",
                        # No key poll, janitor or JWK-Set prune inside a block (the key poller
                        # alone costs ~1e8 instructions a run); the cache revalidation stays
                        # (every second, measured by the idle block).
                        OXIDP__KEYS__POLL_INTERVAL="86400", OXIDP__JOBS__JANITOR_INTERVAL="86400",
                        OXIDP__JOBS__CLIENT_KEYS_INTERVAL="86400",
                        # Thousands of requests a minute from one address: the rate limits
                        # count (their cost is in the figures) but cannot refuse. Binaries
                        # from before the limits ignore these keys.
                        OXIDP__RATE_LIMITS__AUTHORIZE="1000000", OXIDP__RATE_LIMITS__LOGIN="1000000",
                        OXIDP__RATE_LIMITS__TOKEN="1000000")
        self.proc: subprocess.Popen | None = None
        self.cookie = self.refresh_token = self.access_token = ""
        self.basic = ""
        self.challenge = config.s256(config.VERIFIER)

    def prepare(self) -> None:
        _secret, self.basic = provision(self.binary, self.work, self.env)
        native = Server(self.binary, self.work, self.env, self.issuer)
        native.start()  # creates the signing keys outside callgrind (key generation is random work)
        native.stop()

    def start(self) -> None:
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={self.out_dir}/callgrind.out.%p",
               str(self.binary), "serve"]
        with open(self.out_dir / "valgrind.log", "a") as f:
            self.proc = procs.spawn(cmd, group_kill=False, cwd=self.work, env=self.env, stdout=f,
                                    stderr=subprocess.STDOUT)
        if wait_ok(self.issuer + config.DISCOVERY_PATH, 600, 0.5, lambda: self.proc.poll() is None) is None:
            raise BenchError("the server under callgrind did not answer discovery within 600 s")

    def stop(self) -> None:
        if self.proc is not None:
            procs.stop(self.proc, grace=120)
            self.proc = None

    def control(self, *args: str) -> None:
        r = procs.output(["callgrind_control", *args, str(self.proc.pid)], limit=300)
        if r.returncode != 0:
            raise BenchError(f"callgrind_control {' '.join(args)} failed: {r.stdout}{r.stderr}")

    def dump(self) -> pathlib.Path:
        before = set(self.out_dir.iterdir())
        self.control("--dump")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            for p in set(self.out_dir.iterdir()) - before:
                try:
                    text = p.read_text(errors="replace")
                    parse_totals(text)
                    if "\ntotals:" in text:
                        return p
                except (OSError, ValueError):
                    pass
            time.sleep(0.2)
        raise BenchError("no callgrind dump within 300 s")

    # -- requests --

    def login(self, http: Http) -> None:
        driver = config.BENCH_DIR / "login_driver.py"
        r = procs.output([sys.executable, driver, "--issuer", self.issuer, "--client-id", config.CLIENT_ID,
                          "--redirect-uri", config.REDIRECT_URI, "--username", config.USERNAME,
                          "--password", config.PASSWORD, "--code-verifier", config.VERIFIER, "--once"],
                         limit=600, env=self.env)
        if r.returncode != 0:
            raise BenchError(f"browser login failed: {r.stdout}{r.stderr}")
        login = json.loads(r.stdout)
        self.cookie = login["cookie"]
        self.exchange(http, login["code"])

    def authorize(self, http: Http) -> str:
        status, location, body = http("GET", config.authorize_path(self.challenge), headers={"Cookie": self.cookie})
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).get("code")
        if status != 302 or not location.startswith(config.REDIRECT_URI + "?") or not code:
            raise BenchError(f"SSO authorize: {status} {location or body[:200]!r}")
        return code[0]

    def token(self, http: Http, form: dict) -> dict:
        status, _, body = http("POST", "/token", urllib.parse.urlencode(form), {
            "Authorization": f"Basic {self.basic}", "Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            raise BenchError(f"POST /token {form.get('grant_type')}: {status} {body[:300]!r}")
        return json.loads(body)

    def exchange(self, http: Http, code: str) -> None:
        answer = self.token(http, {"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": config.REDIRECT_URI, "code_verifier": config.VERIFIER})
        if "refresh_token" not in answer:
            raise BenchError(f"code exchange without a refresh token: {answer}")
        self.access_token, self.refresh_token = answer["access_token"], answer["refresh_token"]

    def refresh(self, http: Http) -> None:
        answer = self.token(http, {"grant_type": "refresh_token", "refresh_token": self.refresh_token})
        self.refresh_token = answer["refresh_token"]

    def userinfo(self, http: Http) -> None:
        status, _, body = http("GET", "/userinfo", headers={"Authorization": f"Bearer {self.access_token}"})
        if status != 200 or b'"sub"' not in body:
            raise BenchError(f"userinfo: {status} {body[:200]!r}")

    def client_credentials(self, http: Http) -> None:
        answer = self.token(http, {"grant_type": "client_credentials", "scope": config.API_SCOPE})
        if "access_token" not in answer:
            raise BenchError(f"client_credentials: {answer}")


def block_steps(t: Target, scenario: str, n: int):
    """Unmeasured preparation (including warm-up requests of the same kind)
    and the step each of the n measured requests runs."""
    prep = Http(t.port)
    try:
        if scenario == "sso_authorize":
            for _ in range(WARMUP_REQUESTS):
                t.authorize(prep)
            return lambda http, i: t.authorize(http)
        if scenario == "code_exchange":
            codes = [t.authorize(prep) for _ in range(n + WARMUP_REQUESTS)]
            for code in codes[:WARMUP_REQUESTS]:
                t.exchange(prep, code)
            measured = codes[WARMUP_REQUESTS:]
            return lambda http, i: t.exchange(http, measured[i])
        if scenario == "refresh":
            for _ in range(WARMUP_REQUESTS):
                t.refresh(prep)
            return lambda http, i: t.refresh(http)
        if scenario == "userinfo":
            t.exchange(prep, t.authorize(prep))  # a fresh access token (it outlives the block)
            for _ in range(WARMUP_REQUESTS):
                t.userinfo(prep)
            return lambda http, i: t.userinfo(http)
        if scenario == "client_credentials":
            for _ in range(WARMUP_REQUESTS):
                t.client_credentials(prep)
            return lambda http, i: t.client_credentials(http)
    finally:
        prep.close()
    raise BenchError(f"unknown scenario {scenario}")


def reset(t: Target) -> None:
    """Starts a period: a dump, thrown away. (With valgrind 3.19,
    `callgrind_control --zero` reset the event counter but left cost lines
    from before it in the next dump, whose totals then exceeded its
    summary; a dump resets both.)"""
    t.dump().unlink()


def measure(t: Target, label: str, action) -> dict:
    """action() alone between two dumps: its instructions (the dump's
    summary; its cost lines' totals must agree), wall time, and the calls
    that tell whether a session was rewritten in it."""
    reset(t)
    t0 = time.time()
    action()
    t1 = time.time()
    path = t.dump()
    text = path.read_text(errors="replace")
    summary, totals = parse_totals(text)
    if totals is not None and totals != summary:
        log(f"{label}: dump {path} summary {summary} != totals {totals}")
    annotated = procs.output(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path], limit=300)
    if annotated.returncode != 0:
        raise BenchError(f"callgrind_annotate {path} failed: {annotated.stderr}")
    blinding = annotated_inclusive(annotated.stdout, BLINDING)
    return {"ir": summary, "totals": totals, "blinding": blinding, "ir_without_blinding": summary - blinding,
            "start": round(t0, 3), "seconds": round(t1 - t0, 3), "dump": str(path),
            "swap_calls": call_counts(text, r"ephemeral::.*swap")}


def run_block(t: Target, scenario: str, n: int, rnd: int) -> dict:
    step = block_steps(t, scenario, n)  # refresh: the chain goes on from the warm-up's last token
    http = Http(t.port)

    def requests():
        for i in range(n):
            step(http, i)
        http.close()

    block = {"scenario": scenario, "round": rnd, "n": n, **measure(t, f"{scenario} N={n}", requests)}
    log(f"{scenario} round {rnd} N={n}: {block['ir']} Ir in {block['seconds']} s"
        f" (ephemeral-store swap calls {block['swap_calls']})")
    return block


def idle_block(t: Target, seconds: float) -> dict:
    block = {"scenario": "idle", **measure(t, "idle", lambda: time.sleep(seconds))}
    block["ir_per_s"] = round(block["ir"] / block["seconds"])
    log(f"idle {block['seconds']} s: {block['ir']} Ir")
    return block


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, type=pathlib.Path)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--n", default="", help="N1,N2 for every scenario (default: per scenario)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out-dir", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    scenarios = [s for s in args.scenarios.split(",") if s]
    for s in scenarios:
        if s not in SCENARIOS:
            parser.error(f"unknown scenario {s}")
    ns = tuple(int(x) for x in args.n.split(",")) if args.n else None
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        raise SystemExit("valgrind (callgrind) is required")
    out_dir = args.out_dir or pathlib.Path(tempfile.mkdtemp(prefix="oxidp-callgrind."))
    out_dir.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="oxidp-callgrind-work."))
    procs.install_handlers()
    t = Target(args.binary.resolve(), out_dir.resolve(), work)
    results = []
    try:
        t.prepare()
        log(f"starting {t.binary} under callgrind (dumps in {out_dir})")
        t.start()
        t.login(Http(t.port))
        longest = 0.0
        for scenario in scenarios:
            n1, n2 = ns or DEFAULT_N[scenario]
            blocks = []
            run_block(t, scenario, n1, 0)  # round 0, thrown away: first use of each worker thread
            for rnd in range(1, args.rounds + 1):
                for n in ((n1, n2) if rnd % 2 else (n2, n1)):
                    blocks.append(run_block(t, scenario, n, rnd))
            longest = max([longest] + [b["seconds"] for b in blocks])
            figures, exact = per_request(blocks), per_request(blocks, "ir_without_blinding")
            summary = {"scenario": scenario, "per_request": [round(f) for f in figures],
                       "median": round(statistics.median(figures)),
                       "per_request_without_blinding": [round(f) for f in exact],
                       "median_without_blinding": round(statistics.median(exact)), "blocks": blocks}
            results.append(summary)
            print(json.dumps(summary), flush=True)
        idle = idle_block(t, max(longest, 1.0))
        print(json.dumps(idle), flush=True)
    except BenchError as e:
        e.show()
        return 1
    except procs.Interrupted as e:
        return e.status
    finally:
        procs.ignore_signals()
        t.stop()
        procs.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
