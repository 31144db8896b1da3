import io
import unittest

from oxbench.redis_client import RedisError, encode, parse_commandstats, read_reply

# `INFO commandstats` of Redis 7.0 (CRLF line ends, as sent).
COMMANDSTATS = (
    "# Commandstats\r\n"
    "cmdstat_get:calls=175131,usec=190238,usec_per_call=1.09,rejected_calls=0,failed_calls=0\r\n"
    "cmdstat_set:calls=175129,usec=461190,usec_per_call=2.63,rejected_calls=3,failed_calls=1\r\n"
    "cmdstat_info:calls=12,usec=1407,usec_per_call=117.25,rejected_calls=0,failed_calls=0\r\n"
    "cmdstat_client|setname:calls=4,usec=5,usec_per_call=1.25,rejected_calls=0,failed_calls=0\r\n"
    "cmdstat_ping:calls=3,usec=7,usec_per_call=2.33,rejected_calls=0,failed_calls=0\r\n"
)


class CommandStatsTest(unittest.TestCase):
    def test_counts_calls_without_info(self):
        # rejected_calls and failed_calls are not calls; INFO is the reader itself.
        self.assertEqual(parse_commandstats(COMMANDSTATS), 175131 + 175129 + 4 + 3)

    def test_empty(self):
        self.assertEqual(parse_commandstats("# Commandstats\r\n"), 0)
        self.assertEqual(parse_commandstats(""), 0)

    def test_delta_per_request(self):
        before = parse_commandstats(COMMANDSTATS)
        after = parse_commandstats(COMMANDSTATS.replace("calls=175131", "calls=525437")
                                   .replace("calls=175129,", "calls=525435,"))
        self.assertEqual(after - before, 2 * 350306)  # a GET and a SET per authorize


class RespTest(unittest.TestCase):
    def test_encode(self):
        self.assertEqual(encode("SCAN", "0", "COUNT", 1000),
                         b"*4\r\n$4\r\nSCAN\r\n$1\r\n0\r\n$5\r\nCOUNT\r\n$4\r\n1000\r\n")

    def test_replies(self):
        f = io.BytesIO(b"+PONG\r\n:3\r\n$5\r\nab\r\nc\r\n$-1\r\n*2\r\n$1\r\n0\r\n*1\r\n$3\r\nk:1\r\n")
        self.assertEqual(read_reply(f), "PONG")
        self.assertEqual(read_reply(f), 3)
        self.assertEqual(read_reply(f), "ab\r\nc")
        self.assertIsNone(read_reply(f))
        self.assertEqual(read_reply(f), ["0", ["k:1"]])

    def test_errors(self):
        with self.assertRaises(RedisError):
            read_reply(io.BytesIO(b"-ERR unknown command\r\n"))
        with self.assertRaises(RedisError):
            read_reply(io.BytesIO(b""))


if __name__ == "__main__":
    unittest.main()
