import unittest

from oxbench.results import BackendResults, Measured
from oxbench.targets import ROWS, evaluate
from tests import fixtures


def run(rps=1000.0, cpu_ms=1.0, p99=1.0):
    return Measured(requests=100, rps=rps, p50=0.5, p99=p99, cpu_ms=cpu_ms, store_ms=None, other=0.0)


class CommittedFiguresTest(unittest.TestCase):
    """Every Targets cell of the committed report, from its raw figures."""

    EXPECTED = {
        "cc_cpu": ("1.26 PASS", "1.31 MISS"),
        "exchange_cpu": ("2.98 MISS", "3.23 MISS"),
        "sso": ("0.42 PASS", "0.22 MISS"),
        "userinfo": ("0.53 PASS", "0.38 MISS"),
        "jwks_discovery": ("jwks 1.14, discovery 0.91 PASS", "jwks 0.93, discovery 0.95 PASS"),
        "login_cpu": ("1.23 MISS", "1.25 MISS"),
        "p99": ("5.79 PASS", "7.19 PASS"),
        "rss": ("23.2 / 26.3 PASS", "23.0 / 24.8 PASS"),
        "start": ("33.9 PASS", "n/a"),
        "redis": ("n/a", "2.00 PASS"),
    }

    def test_cells(self):
        results = fixtures.results()
        self.assertEqual({row.key for row in ROWS}, set(self.EXPECTED))
        for key, cells in self.EXPECTED.items():
            got = tuple(evaluate(key, results[b]).cell() for b in ("embedded", "pg-redis"))
            self.assertEqual(got, cells, key)


class BoundaryTest(unittest.TestCase):
    """Verdicts are taken on the ratio as printed (2 decimals)."""

    def cpu(self, key, scenario, cpu_ms, reference):
        r = BackendResults(runs={scenario: run(cpu_ms=cpu_ms)})
        if key == "login_cpu":
            r.argon2_ms = reference
        else:
            r.sign_ms_around[scenario] = reference
        return evaluate(key, r)

    def test_cpu_ratios(self):
        self.assertEqual(self.cpu("cc_cpu", "client_credentials", 1.30, 1.0).cell(), "1.30 PASS")
        self.assertEqual(self.cpu("cc_cpu", "client_credentials", 1.3049, 1.0).cell(), "1.30 PASS")
        self.assertEqual(self.cpu("cc_cpu", "client_credentials", 1.3051, 1.0).cell(), "1.31 MISS")
        self.assertEqual(self.cpu("cc_cpu", "client_credentials", 0.5, 0.25).cell(), "2.00 MISS")
        self.assertEqual(self.cpu("exchange_cpu", "code_exchange", 0.65, 0.25).cell(), "2.60 PASS")
        self.assertEqual(self.cpu("exchange_cpu", "code_exchange", 0.66, 0.25).cell(), "2.64 MISS")
        self.assertEqual(self.cpu("login_cpu", "password_login", 23.0, 20.0).cell(), "1.15 PASS")
        self.assertEqual(self.cpu("login_cpu", "password_login", 23.2, 20.0).cell(), "1.16 MISS")

    def rps(self, key, scenario, rps, base, extra=None):
        runs = {scenario: run(rps=rps), f"healthz_{scenario}": run(rps=base)}
        runs.update(extra or {})
        return evaluate(key, BackendResults(runs=runs)).cell()

    def test_rps_ratios(self):
        self.assertEqual(self.rps("sso", "sso_authorize", 400, 1000), "0.40 PASS")
        self.assertEqual(self.rps("sso", "sso_authorize", 394, 1000), "0.39 MISS")
        self.assertEqual(self.rps("sso", "sso_authorize", 396, 1000), "0.40 PASS")  # 0.396 prints as 0.40
        self.assertEqual(self.rps("userinfo", "userinfo", 500, 1000), "0.50 PASS")
        self.assertEqual(self.rps("userinfo", "userinfo", 490, 1000), "0.49 MISS")
        both = {"discovery": run(rps=900), "healthz_discovery": run(rps=1000)}
        self.assertEqual(self.rps("jwks_discovery", "jwks", 1200, 1000, both), "jwks 1.20, discovery 0.90 PASS")
        both["discovery"] = run(rps=890)
        self.assertEqual(self.rps("jwks_discovery", "jwks", 1200, 1000, both), "jwks 1.20, discovery 0.89 MISS")
        self.assertEqual(self.rps("jwks_discovery", "jwks", 890, 1000, {**both, "discovery": run(rps=950)}),
                         "jwks 0.89, discovery 0.95 MISS")

    def test_p99_is_strict(self):
        cell = lambda p99: evaluate("p99", BackendResults(runs={"client_credentials": run(p99=p99)})).cell()
        self.assertEqual(cell(9.99), "9.99 PASS")
        self.assertEqual(cell(10.0), "10.00 MISS")

    def test_rss(self):
        cell = lambda idle, peak: evaluate("rss", BackendResults(idle_rss_mb=idle, peak_rss_mb=peak)).cell()
        self.assertEqual(cell(30.0, 60.0), "30.0 / 60.0 PASS")
        self.assertEqual(cell(30.1, 20.0), "30.1 / 20.0 MISS")
        self.assertEqual(cell(20.0, 60.1), "20.0 / 60.1 MISS")

    def test_start_time(self):
        cell = lambda ms: evaluate("start", BackendResults(start_ms=ms)).cell()
        self.assertEqual(cell(200.0), "200.0 PASS")
        self.assertEqual(cell(200.1), "200.1 MISS")
        self.assertEqual(cell(None), "n/a")

    def test_redis_per_authorize(self):
        cell = lambda v: evaluate("redis", BackendResults(redis_per_authorize=v)).cell()
        self.assertEqual(cell(2.0), "2.00 PASS")
        self.assertEqual(cell(2.01), "2.01 MISS")
        self.assertEqual(cell(None), "n/a")

    def test_missing_inputs_are_na(self):
        empty = BackendResults()
        for row in ROWS:
            self.assertEqual(evaluate(row.key, empty).cell(), "n/a", row.key)


if __name__ == "__main__":
    unittest.main()
