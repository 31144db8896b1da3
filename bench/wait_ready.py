#!/usr/bin/env python3
"""Polls URL every 2 ms until it answers 200; prints the wall-clock time
(seconds since the epoch, like bash's $EPOCHREALTIME) of that answer.

bench/run.sh uses it to wait for the server and to time start-up: it starts
this poller first, waits for --marker to appear (Python is up and polling),
then spawns the server, so Python's own start-up is not in the figure.
Exits 1 after --timeout seconds without a 200.
"""

import argparse
import http.client
import os
import pathlib
import signal
import sys
import time
import urllib.parse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--interval", type=float, default=0.002)
    parser.add_argument("--marker", help="file to create once polling has started")
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.url)
    path = url.path + (f"?{url.query}" if url.query else "")
    deadline = time.monotonic() + args.timeout
    if args.marker:
        pathlib.Path(args.marker).touch()
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=1)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                print(f"{time.time():.6f}")
                return 0
        except (OSError, http.client.HTTPException):
            pass  # not listening yet
        finally:
            conn.close()
        time.sleep(args.interval)
    print(f"wait_ready: no 200 from {args.url} within {args.timeout} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # Die of SIGINT (not exit 130) so that bash, which ignores a Ctrl-C
        # its child handled, runs its INT trap and cleans up.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
