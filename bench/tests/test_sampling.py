import unittest

from oxbench import config
from oxbench.sampling import (other_cores, parse_busy_ticks, parse_pid_stat, parse_status_kb, round_to,
                               split_pid_stat)

# /proc/PID/stat of a process whose comm is "a) (b c" (15 chars at most).
WEIRD_STAT = ("4242 (a) (b c) S 1 4242 4242 0 -1 4194560 1200 0 3 0 1234 567 0 0 20 0 9 0 "
              "8812 1234567 890 18446744073709551615 1 1 0 0 0 0 0 4096 1 0 0 0 17 1 0 0 0 0 0\n")
POSTGRES_STAT = ("812 (postgres) S 1 812 812 0 -1 4194560 2431 19301 0 0 25 41 31 28 20 0 1 0 "
                 "1032 224333824 7264 18446744073709551615 1 1 0 0 0 0 0 4096 17990 0 0 0 17 0 0 0 0 0 0\n")
ZOMBIE_STAT = "99 (oxidp) Z 1 99 99 0 -1 4227148 0 0 0 0 7 3 0 0 20 0 1 0 5 0 0 0\n"

PROC_STAT = """\
cpu  43170 12 9831 1201234 377 0 611 45 0 0
cpu0 21653 6 4903 600321 188 0 410 22 0 0
cpu1 21517 6 4928 600913 189 0 201 23 0 0
intr 3303183 0 9 0 0
ctxt 6612542
"""

STATUS = """\
Name:\toxidp
State:\tS (sleeping)
VmPeak:\t  621232 kB
VmHWM:\t   42292 kB
VmRSS:\t   23756 kB
Threads:\t9
"""


class PidStatTest(unittest.TestCase):
    def test_comm_with_spaces_and_parentheses(self):
        self.assertEqual(parse_pid_stat(WEIRD_STAT), ("a) (b c", "S", 1234 + 567))

    def test_plain(self):
        self.assertEqual(parse_pid_stat(POSTGRES_STAT), ("postgres", "S", 25 + 41))
        self.assertEqual(parse_pid_stat(ZOMBIE_STAT)[1], "Z")

    def test_split_fields(self):
        comm, fields = split_pid_stat(WEIRD_STAT)
        self.assertEqual((comm, fields[0], fields[1], fields[2]), ("a) (b c", "S", "1", "4242"))  # state, ppid, pgrp

    def test_not_a_stat_line(self):
        with self.assertRaises(ValueError):
            parse_pid_stat("")
        with self.assertRaises(ValueError):
            parse_pid_stat("no parentheses here")
        with self.assertRaises(ValueError):
            parse_pid_stat("12 (cut) S 1 2")

    def test_this_process(self):
        comm, state, ticks = parse_pid_stat(open("/proc/self/stat").read())
        self.assertTrue(comm)
        self.assertEqual(state, "R")
        self.assertGreaterEqual(ticks, 0)


class ProcStatTest(unittest.TestCase):
    def test_busy_ticks(self):
        # user + nice + system + irq + softirq + steal; not idle, iowait, guest
        self.assertEqual(parse_busy_ticks(PROC_STAT), 43170 + 12 + 9831 + 0 + 611 + 45)

    def test_no_cpu_line(self):
        with self.assertRaises(ValueError):
            parse_busy_ticks("intr 1 2 3\n")

    def test_real_file(self):
        self.assertGreater(parse_busy_ticks(open("/proc/stat").read()), 0)


class StatusTest(unittest.TestCase):
    def test_fields(self):
        self.assertEqual(parse_status_kb(STATUS, "VmRSS"), 23756)
        self.assertEqual(parse_status_kb(STATUS, "VmHWM"), 42292)
        with self.assertRaises(ValueError):
            parse_status_kb(STATUS, "VmSwap")


class ArithmeticTest(unittest.TestCase):
    def test_other_cores(self):
        hz = config.CLK_TCK
        # 2 s, machine busy 3 cores' worth of ticks; server 1 core, stores 0.5, wrk 0.8
        self.assertEqual(other_cores(3 * 2 * hz, 2 * hz, 1 * hz, 1.6 * hz, 2.0), 0.7)
        self.assertEqual(other_cores(10, 20, 0, 0, 1.0), 0.0)  # never negative

    def test_round_to_is_printf_rounding(self):
        self.assertEqual(round_to(1.2345, 2), 1.23)
        self.assertEqual(round_to(2.5, 0), 2.0)  # half to even, as awk's printf
        self.assertEqual(round_to(3.5, 0), 4.0)
        self.assertEqual(f"{round_to(0.25429, 4):.4f}", "0.2543")


if __name__ == "__main__":
    unittest.main()
