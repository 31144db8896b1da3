"""oxbench: the load harness behind bench/run.py.

One module per job, so that each piece the report depends on (parsers,
arithmetic, rendering) can be unit-tested without a server, wrk or a
database: see bench/tests/.
"""
