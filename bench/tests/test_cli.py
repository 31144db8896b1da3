import contextlib
import io
import unittest

from oxbench import config
from oxbench.cli import parse_args
from oxbench.login import parse_driver_result


def fails(argv):
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            parse_args(argv)
        except SystemExit as e:
            return e.code
    return None


class CliTest(unittest.TestCase):
    def test_defaults(self):
        opts = parse_args([], cwd="/somewhere")
        self.assertEqual((opts.backend, opts.duration), ("all", 8))
        self.assertEqual(opts.out, str(config.ROOT / "BENCHMARKS.md"))
        self.assertEqual(opts.backends, ["embedded", "pg-redis"])

    def test_values(self):
        opts = parse_args(["--backend", "pg-redis", "--duration", "2", "--out", "r/x.md"], cwd="/tmp/w")
        self.assertEqual((opts.backends, opts.duration, opts.out), (["pg-redis"], 2, "/tmp/w/r/x.md"))
        self.assertEqual(parse_args(["--out", "/abs/x.md"], cwd="/tmp").out, "/abs/x.md")

    def test_errors_exit_1(self):
        for argv in (["--backend", "sqlite"], ["--duration", "0"], ["--duration", "1.5"], ["--duration", "121"],
                     ["--duration"], ["--frobnicate"]):
            self.assertEqual(fails(argv), 1, argv)
        self.assertEqual(fails(["--help"]), 0)


class DriverResultTest(unittest.TestCase):
    def test_ok(self):
        r = parse_driver_result('{"logins": 378, "failures": 0, "seconds": 8.11, "p50_ms": 84.65, '
                                '"p99_ms": 116.28, "first_failure": null}')
        self.assertEqual((r["logins"], r["seconds"]), (378, 8.11))

    def test_failures_and_nothing(self):
        with self.assertRaisesRegex(ValueError, "2 failed logins; first: LoginFailed: POST"):
            parse_driver_result('{"logins": 5, "failures": 2, "seconds": 1, "p50_ms": 1, "p99_ms": 1, '
                                '"first_failure": "LoginFailed: POST"}')
        with self.assertRaisesRegex(ValueError, "no successful logins"):
            parse_driver_result('{"logins": 0, "failures": 0, "seconds": 1, "p50_ms": 0, "p99_ms": 0, '
                                '"first_failure": null}')


if __name__ == "__main__":
    unittest.main()
