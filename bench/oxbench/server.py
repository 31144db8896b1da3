"""One backend's oxidp: its CLI (provisioning), its server process and
plain HTTP to it. The server is only ever reached on 127.0.0.1."""

import base64
import http.client
import json
import pathlib
import socket
import subprocess
import time
import urllib.parse

from . import config, procs
from .log import BenchError, tail


def free_port() -> int:
    with socket.socket() as s:
        s.bind((config.LOOPBACK, 0))
        return s.getsockname()[1]


def request(method: str, url: str, body: str | None = None, headers: dict | None = None,
            timeout: float = 10) -> tuple[int, bytes]:
    """One HTTP request to the loopback server: (status, body)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname != config.LOOPBACK:
        raise BenchError(f"refusing to request {url}: only http://{config.LOOPBACK} is used")
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body,
                     headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_ok(url: str, timeout: float, interval: float, alive) -> float | None:
    """Polls url until it answers 200; returns time.monotonic() of that
    answer, or None after `timeout` s or once alive() is false."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if request("GET", url, timeout=1)[0] == 200:
                return time.monotonic()
        except (OSError, http.client.HTTPException):
            pass  # not listening yet
        if not alive():
            return None
        time.sleep(interval)
    return None


class Server:
    """`oxidp serve` in its work dir; stopped by PID (SIGTERM, then SIGKILL
    after 5 s). Output goes to server.log there."""

    def __init__(self, binary: pathlib.Path, work: pathlib.Path, env: dict, issuer: str):
        self.binary, self.work, self.env, self.issuer = binary, work, env, issuer
        self.log_path = work / "server.log"
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise BenchError("the server is not running")
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def spawn(self) -> None:
        with open(self.log_path, "a") as f:
            self.proc = procs.spawn([self.binary, "serve"], group_kill=False, cwd=self.work, env=self.env,
                                    stdout=f, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.proc is not None:
            procs.stop(self.proc)
            self.proc = None

    def log_dump(self) -> tuple[str, str, str]:
        return (f"last lines of the server log ({self.log_path}):", tail(self.log_path, 40), "  server| ")

    def start(self) -> None:
        """Spawns the server and waits (60 s at most) for discovery to answer 200."""
        self.spawn()
        url = self.issuer + config.DISCOVERY_PATH
        if wait_ok(url, 60, 0.1, self.alive) is None:
            if not self.alive():
                raise BenchError("the server exited during start-up")
            raise BenchError(f"no 200 from {url} within 60 s")


def cli(binary: pathlib.Path, work: pathlib.Path, env: dict, *args: str) -> str:
    """Runs the oxidp CLI (same environment as the server); returns stdout,
    stderr goes to provision.log. A failing command fails the run."""
    log_path = work / "provision.log"
    with open(log_path, "a") as err:
        proc = procs.spawn([binary, *args], cwd=work, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        try:
            out, _ = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            out = "(timed out after 120 s)"
        finally:
            procs.stop(proc)
    if proc.returncode != 0:
        raise BenchError(f"'oxidp {args[0]} {args[1]}' failed with status {proc.returncode}: {out.strip()}",
                         ("", tail(log_path, 40), "  cli| "))
    return out.strip()


def provision(binary: pathlib.Path, work: pathlib.Path, env: dict) -> tuple[str, str]:
    """One user and one confidential client, through the CLI; returns the
    client secret and its Basic credentials."""
    (work / "provision.log").write_text("")
    password_file = work / "password"
    password_file.touch(mode=0o600)
    password_file.write_text(config.PASSWORD + "\n")
    out = cli(binary, work, env, "user", "create", "--username", config.USERNAME, "--email", "bench@example.com",
              "--name", "Bench User", "--password-file", str(password_file))
    if not out.startswith("Created user"):
        raise BenchError(f"user create printed no confirmation: {out}")
    scopes = [a for s in ("openid", "profile", "email", "offline_access", config.API_SCOPE) for a in ("--scope", s)]
    grants = [a for g in ("authorization_code", "refresh_token", "client_credentials") for a in ("--grant-type", g)]
    out = cli(binary, work, env, "client", "create", "--client-id", config.CLIENT_ID,
              "--redirect-uri", config.REDIRECT_URI, *grants, *scopes,
              "--token-endpoint-auth-method", "client_secret_basic", "--json")
    try:
        secret = json.loads(out)["client_secret"]
    except (ValueError, KeyError, TypeError):
        raise BenchError(f"client create printed no client_secret: {out}") from None
    basic = base64.b64encode(f"{config.CLIENT_ID}:{secret}".encode()).decode()
    return secret, basic
