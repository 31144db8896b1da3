import unittest

from oxbench import config
from oxbench.log import BenchError
from oxbench.wrk import command, loopback_url, parse_output, rejection

GOOD = """\
Running 2s test @ http://127.0.0.1:40123/authorize?response_type=code
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   785.41us  612.22us  12.38ms   89.12%
  130424 requests in 2.00s, 61.07MB read
Requests/sec:  65150.31
BENCH_RESULT requests=130424 duration_us=2001884 connect=0 read=0 write=0 status=0 timeout=0 \
p50_us=640 p99_us=3191 checked=1 ok=130424 bad=0 exhausted=0
"""


def with_fields(**fields):
    text = GOOD
    for k, v in fields.items():
        text = text.replace(f" {k}=0", f" {k}={v}", 1)
    return parse_output(text)


class ParseTest(unittest.TestCase):
    def test_fields(self):
        r = parse_output(GOOD)
        self.assertEqual((r.requests, r.duration_us, r.p50_us, r.p99_us), (130424, 2001884, 640, 3191))
        self.assertEqual((r.checked, r.ok, r.bad, r.exhausted), (1, 130424, 0, 0))
        self.assertEqual(r.bad_lines, [])
        self.assertIsNone(rejection(r))

    def test_bad_lines(self):
        text = GOOD.replace("ok=130424 bad=0", "ok=130420 bad=4") + \
            "BENCH_BAD 200 <!doctype html><html><form action=\"/login\">\nBENCH_BAD 302 http://127.0.0.1:9/cb?error=x\n"
        r = parse_output(text)
        self.assertEqual(r.bad_lines, ['200 <!doctype html><html><form action="/login">',
                                       "302 http://127.0.0.1:9/cb?error=x"])
        self.assertEqual(rejection(r), '4 unexpected responses (see BENCH_BAD); first: 200 <!doctype html>'
                                        '<html><form action="/login">')

    def test_successes(self):
        self.assertEqual(parse_output(GOOD.replace("ok=130424", "ok=130000")).successes, 130000)
        unchecked = parse_output(GOOD.replace("checked=1 ok=130424", "checked=0 ok=0"))
        self.assertEqual(unchecked.successes, 130424)

    def test_missing_or_broken_line(self):
        with self.assertRaises(ValueError):
            parse_output("unable to connect to 127.0.0.1:1 Connection refused\n")
        with self.assertRaises(ValueError):
            parse_output(GOOD.replace(" exhausted=0", ""))
        with self.assertRaises(ValueError):
            parse_output(GOOD.replace("p99_us=3191", "p99_us=nan"))


class RejectionTest(unittest.TestCase):
    def test_socket_errors(self):
        r = with_fields(connect=1, read=2, timeout=3)
        self.assertEqual(rejection(r), "6 socket errors (connect 1, read 2, write 0, timeout 3)")
        self.assertIn("socket errors", rejection(with_fields(write=1)))

    def test_status_errors(self):
        self.assertEqual(rejection(with_fields(status=17)), "17 responses with status >= 400")

    def test_bad_checks(self):
        self.assertTrue(rejection(with_fields(bad=1)).startswith("1 unexpected responses"))

    def test_no_requests(self):
        self.assertEqual(rejection(parse_output(GOOD.replace("requests=130424", "requests=0"))),
                         "no completed requests")


class CommandTest(unittest.TestCase):
    def test_command(self):
        cmd = command(16, 8, "client_credentials.lua", "http://127.0.0.1:1234/token", ["-H", "X: y"])
        self.assertEqual(cmd[:4], ["wrk", "-t2", "-c16", "-d8s"])
        self.assertEqual(cmd[4:6], ["-s", str(config.BENCH_DIR / "client_credentials.lua")])
        self.assertEqual(cmd[6:], ["-H", "X: y", "http://127.0.0.1:1234/token"])

    def test_only_loopback(self):
        self.assertEqual(loopback_url("http://127.0.0.1:1234", "/healthz"), "http://127.0.0.1:1234/healthz")
        for issuer in ("http://10.0.0.1:1234", "http://example.com", "http://localhost:1234"):
            with self.assertRaises(BenchError):
                loopback_url(issuer, "/healthz")


if __name__ == "__main__":
    unittest.main()
