import tempfile
import unittest
import pathlib

from oxbench import config
from oxbench.codes import read_codes, write_split
from oxbench.figures import (codes_needed, codes_per_thread, median, pregeneration_seconds, split_round_robin,
                             warmup_share)


class MedianTest(unittest.TestCase):
    def test_odd(self):
        self.assertEqual(median([41.9, 31.5, 34.4, 28.7, 33.9]), 33.9)

    def test_even_takes_the_lower_middle(self):
        self.assertEqual(median([4.0, 1.0, 3.0, 2.0]), 2.0)

    def test_one_and_none(self):
        self.assertEqual(median([7.5]), 7.5)
        with self.assertRaises(ValueError):
            median([])


class CodePregenerationTest(unittest.TestCase):
    """The figures of the committed BENCHMARKS.md notes (8 s runs)."""

    def test_codes_needed(self):
        self.assertEqual(codes_needed(5759.4, 8), 69113)  # 5759.4 x 10 x 1.2 = 69112.8
        self.assertEqual(codes_needed(5116.5, 8), 61398)
        self.assertEqual(codes_needed(100.0, 2), 480)

    def test_pregeneration_seconds(self):
        self.assertEqual(pregeneration_seconds(69113, 40244.1, 8), 4)  # 1.72 + 2.5 = 4.22
        self.assertEqual(pregeneration_seconds(61398, 21887.5, 8), 5)  # 2.81 + 2.5 = 5.31
        self.assertEqual(pregeneration_seconds(60000, 1000.0, 8), 14)  # capped at 2 + 8 + 4
        self.assertEqual(pregeneration_seconds(60000, 1000.0, 2), 8)
        self.assertEqual(pregeneration_seconds(0, 1000.0, 8), 2)  # 2.5 rounds to even

    def test_codes_per_thread(self):
        self.assertEqual(codes_per_thread(69113), 34557)
        self.assertEqual(codes_per_thread(69112), 34556)
        self.assertEqual(codes_per_thread(7, threads=4), 2)

    def test_warmup_share(self):
        self.assertEqual(warmup_share(69131, 8), 13826)
        self.assertEqual(warmup_share(61399, 8), 12279)
        self.assertEqual(warmup_share(9, 2), 4)
        self.assertEqual(warmup_share(0, 8), 0)

    def test_code_ttl(self):
        self.assertEqual(config.code_ttl(8), 88)
        self.assertEqual(config.code_ttl(2), 76)
        self.assertEqual(config.code_ttl(120), 312)
        self.assertEqual(config.code_ttl(1000), 600)

    def test_split_round_robin(self):
        self.assertEqual(split_round_robin(["a", "b", "c", "d", "e"]), [["a", "c", "e"], ["b", "d"]])
        self.assertEqual(split_round_robin([], 3), [[], [], []])


class CodeFilesTest(unittest.TestCase):
    def test_read_in_thread_order_and_split(self):
        with tempfile.TemporaryDirectory() as tmp:
            d = pathlib.Path(tmp)
            for i in (10, 2, 0, 1):
                (d / f"raw.{i}").write_text(f"c{i}a\nc{i}b\n")
            codes = read_codes(d, "raw")
            self.assertEqual(codes, ["c0a", "c0b", "c1a", "c1b", "c2a", "c2b", "c10a", "c10b"])
            write_split(d / "warm", codes[:1])
            self.assertEqual((d / "warm.0").read_text(), "c0a\n")
            self.assertEqual((d / "warm.1").read_text(), "")  # every thread gets a file


if __name__ == "__main__":
    unittest.main()
