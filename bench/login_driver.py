#!/usr/bin/env python3
"""Password-login driver for bench/run.py (stdlib only).

A login is two requests that wrk cannot chain: GET /authorize (a fresh
browser: no cookies) answers the login form and sets the CSRF cookie; POST
the form with the credentials must answer 302/303 to the redirect URI with a
code and set the SSO session cookie.

  login_driver.py ... --duration S --concurrency N
      logs in repeatedly for S seconds with N workers and prints one JSON
      line: {"logins": .., "failures": .., "seconds": .., "p50_ms": ..,
      "p99_ms": .., "first_failure": ..}. Logins in flight at the deadline
      are finished and counted, so the server work during the run matches.
  login_driver.py ... --once
      logs in once and prints {"cookie": "name=value", "code": ..} (the SSO
      session cookie for the authorize scenario, and a code to exchange).
"""

import argparse
import base64
import hashlib
import html.parser
import http.client
import json
import os
import signal
import sys
import threading
import time
import urllib.parse


class FormParser(html.parser.HTMLParser):
    """Collects the first form's action and its input names and values."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""


class LoginFailed(Exception):
    pass


def s256(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def set_cookies(response):
    """name -> value from every Set-Cookie header."""
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        jar[name.strip()] = value.strip()
    return jar


class Browser:
    """One keep-alive connection to the issuer; cookies are per login."""

    def __init__(self, args):
        self.args = args
        issuer = urllib.parse.urlsplit(args.issuer)
        if issuer.scheme != "http":
            sys.exit("login_driver: only http issuers on loopback are supported")
        self.host, self.port = issuer.hostname, issuer.port or 80
        self.base_path = issuer.path.rstrip("/")
        self.origin = f"{issuer.scheme}://{issuer.netloc}"
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": args.client_id,
                "redirect_uri": args.redirect_uri,
                "scope": args.scope,
                "state": "s",
                "code_challenge": s256(args.code_verifier),
                "code_challenge_method": "S256",
            },
            quote_via=urllib.parse.quote,
        )
        self.authorize_path = f"{self.base_path}/authorize?{query}"
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: retry once
                # on a new one (GET is safe; a POST that failed to send was
                # never processed).
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def login(self):
        """One full login in a fresh cookie jar; returns (session cookie, code)."""
        response, data = self.request("GET", self.authorize_path)
        if response.status != 200:
            raise LoginFailed(f"GET /authorize: {response.status} {data[:200]!r}")
        jar = set_cookies(response)
        form = FormParser()
        form.feed(data.decode("utf-8", "replace"))
        if not form.action or "challenge" not in form.fields:
            raise LoginFailed(f"GET /authorize: no login form in {data[:200]!r}")
        fields = dict(form.fields, username=self.args.username, password=self.args.password)
        action = urllib.parse.urljoin(self.authorize_path, form.action)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        }
        response, data = self.request("POST", action, urllib.parse.urlencode(fields), headers)
        location = response.getheader("Location", "")
        if response.status not in (302, 303) or not location.startswith(self.args.redirect_uri + "?"):
            raise LoginFailed(f"POST {action}: {response.status} {location or data[:200]!r}")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
        session = set_cookies(response).get(self.args.cookie_name)
        if "code" not in query or query.get("state") != ["s"] or not session:
            raise LoginFailed(f"POST {action}: no code, state or session cookie: {location}")
        return f"{self.args.cookie_name}={session}", query["code"][0]


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def run_load(args):
    deadline = time.monotonic() + args.duration
    lock = threading.Lock()
    latencies, failures, first_failure = [], [0], [None]

    def worker():
        browser = Browser(args)
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                browser.login()
            except (LoginFailed, OSError, http.client.HTTPException) as e:
                browser.close()
                with lock:
                    failures[0] += 1
                    first_failure[0] = first_failure[0] or f"{type(e).__name__}: {e}"
                continue
            with lock:
                latencies.append((time.monotonic() - started) * 1000)
        browser.close()

    started = time.monotonic()
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(args.concurrency)]
    for w in workers:
        w.start()
    for w in workers:
        # Short joins keep Ctrl-C responsive; every login has a 30 s socket
        # timeout, so this is bounded.
        while w.is_alive():
            w.join(0.2)
    latencies.sort()
    print(
        json.dumps(
            {
                "logins": len(latencies),
                "failures": failures[0],
                "seconds": round(time.monotonic() - started, 3),
                "p50_ms": round(percentile(latencies, 50), 2),
                "p99_ms": round(percentile(latencies, 99), 2),
                "first_failure": first_failure[0],
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--scope", default="openid profile email")
    parser.add_argument("--code-verifier", default="bench-verifier-0123456789-abcdefghijklmnopqrstuvwxyz")
    parser.add_argument("--cookie-name", default="oxidp_session")
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--once", action="store_true", help="log in once, print the session cookie and a code")
    args = parser.parse_args()
    if args.once:
        try:
            cookie, code = Browser(args).login()
        except LoginFailed as e:
            sys.exit(f"login_driver: {e}")
        print(json.dumps({"cookie": cookie, "code": code}))
    else:
        run_load(args)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        # Die of SIGINT (not exit 130) so that bash, which ignores a Ctrl-C
        # its child handled, runs its INT trap and cleans up.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
