import unittest

import callgrind

DUMP = """# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 42
part: 3

events: Ir
summary: 1500

fl=(1) /src/a.rs
fn=(1) oxidp::handler
0 100
cfn=(2) oxidp::store::ephemeral::Ephemeral::swap::{{closure}}
calls=2 0
0 300
cfn=(3) oxidp::other
calls=5 0
0 50
fn=(2)
0 300
cfn=(2)
calls=1 0
0 7
fn=(4) oxidp::outer
cfn=(2)
calls=3 0
0 9

totals: 1500
"""


class ParseTest(unittest.TestCase):
    def test_summary_and_totals(self):
        self.assertEqual(callgrind.parse_totals(DUMP), (1500, 1500))
        self.assertEqual(callgrind.parse_totals("summary: 7\n"), (7, None))

    def test_a_dump_without_summary_is_refused(self):
        with self.assertRaises(ValueError):
            callgrind.parse_totals("events: Ir\ntotals: 3\n")

    def test_calls_are_summed_over_compressed_names(self):
        self.assertEqual(callgrind.call_counts(DUMP, r"ephemeral::.*swap"), 6)
        self.assertEqual(callgrind.call_counts(DUMP, r"oxidp::other"), 5)
        self.assertEqual(callgrind.call_counts(DUMP, r"nothing"), 0)


ANNOTATED = """\
--------------------------------------------------------------------------------
Ir                   file:function
--------------------------------------------------------------------------------
3,328,589,703 (100.0%)  PROGRAM TOTALS
69,939,869 ( 2.10%)  ???:BN_BLINDING_create_param [/usr/lib/x86_64-linux-gnu/libcrypto.so.3]
 1,200 ( 0.00%)  /src/x.rs:BN_BLINDING_create_param
 9,999,999 ( 0.30%)  => ???:BN_BLINDING_create_param (15x)
   523,235 ( 0.08%)  /w/src/flows/sessions.rs:oxidp::flows::sessions::Sessions::find_by_sid::{{closure}} [/tmp/oxidp]
"""


class AnnotatedTest(unittest.TestCase):
    def test_largest_own_line_of_the_function(self):
        self.assertEqual(callgrind.annotated_inclusive(ANNOTATED, "BN_BLINDING_create_param"), 69_939_869)
        self.assertEqual(callgrind.annotated_inclusive(
            ANNOTATED, "oxidp::flows::sessions::Sessions::find_by_sid::{{closure}}"), 523_235)
        self.assertEqual(callgrind.annotated_inclusive(ANNOTATED, "RSA_sign"), 0)


class PerRequestTest(unittest.TestCase):
    def test_difference_of_totals_over_difference_of_n_per_round(self):
        blocks = [
            {"round": 1, "n": 10, "ir": 1_000 + 10 * 500},
            {"round": 1, "n": 50, "ir": 1_000 + 50 * 500},
            {"round": 2, "n": 50, "ir": 2_000 + 50 * 510},
            {"round": 2, "n": 10, "ir": 2_000 + 10 * 510},
        ]
        self.assertEqual(callgrind.per_request(blocks), [500.0, 510.0])
        for b in blocks:
            b["exact"] = b["ir"] - 1_000
        self.assertEqual(callgrind.per_request(blocks, "exact"), [500.0, 510.0])

    def test_two_blocks_of_one_n_are_refused(self):
        with self.assertRaises(ValueError):
            callgrind.per_request([{"round": 1, "n": 10, "ir": 1}, {"round": 1, "n": 10, "ir": 2}])


if __name__ == "__main__":
    unittest.main()
