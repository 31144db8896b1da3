import os
import signal
import subprocess
import sys
import time
import unittest

from oxbench import procs, sampling

IGNORES_TERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(30)"


class ProcsTest(unittest.TestCase):
    def test_run_bounded_stops_at_the_limit(self):
        t0 = time.monotonic()
        rc = procs.run_bounded(["sleep", "30"], 0.2, stdout=subprocess.DEVNULL)
        self.assertEqual(rc, procs.TIMED_OUT)
        self.assertLess(time.monotonic() - t0, 3)
        self.assertEqual(procs.live(), [])

    def test_status_and_own_process_group(self):
        self.assertEqual(procs.run_bounded(["sh", "-c", "exit 3"], 10), 3)
        proc = procs.spawn(["sleep", "30"])
        try:
            self.assertEqual(os.getpgid(proc.pid), proc.pid)  # a terminal Ctrl-C does not reach it
        finally:
            procs.stop(proc)
        self.assertIsNotNone(proc.returncode)

    def test_sigkill_after_grace(self):
        proc = procs.spawn([sys.executable, "-c", IGNORES_TERM], stdout=subprocess.PIPE)
        proc.stdout.readline()  # SIGTERM is ignored from here on
        t0 = time.monotonic()
        procs.stop(proc, grace=0.3)
        self.assertEqual(proc.returncode, -signal.SIGKILL)
        self.assertLess(time.monotonic() - t0, 3)
        proc.stdout.close()

    def test_group_members_outliving_the_leader_are_stopped(self):
        # Like cargo bench: the leader exits, its child (the bench) runs on.
        proc = procs.spawn(["sh", "-c", "sleep 30 & echo $!"], stdout=subprocess.PIPE, text=True)
        orphan = int(proc.stdout.readline())
        proc.wait()
        self.assertTrue(sampling.is_alive(orphan))
        self.assertTrue(sampling.group_alive(proc.pid))
        procs.stop(proc)
        self.assertFalse(sampling.is_alive(orphan))
        self.assertFalse(sampling.group_alive(proc.pid))
        proc.stdout.close()

    def test_stop_all(self):
        a, b = procs.spawn(["sleep", "30"]), procs.spawn(["sleep", "30"], group_kill=False)
        procs.stop_all()
        self.assertEqual((a.returncode, b.returncode), (-signal.SIGTERM, -signal.SIGTERM))
        self.assertEqual(procs.live(), [])

    def test_signal_deferred_to_the_end_of_a_critical_section(self):
        old = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
        procs.install_handlers()
        try:
            reached_end = False
            with self.assertRaises(procs.Interrupted) as caught:
                with procs.deferred():
                    os.kill(os.getpid(), signal.SIGTERM)
                    time.sleep(0.05)
                    reached_end = True
            self.assertTrue(reached_end)
            self.assertEqual(caught.exception.status, 143)
            with self.assertRaises(procs.Interrupted) as caught:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(1)
            self.assertEqual(caught.exception.status, 130)
        finally:
            signal.signal(signal.SIGINT, old[0])
            signal.signal(signal.SIGTERM, old[1])


if __name__ == "__main__":
    unittest.main()
