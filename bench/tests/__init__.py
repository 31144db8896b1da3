"""Offline unit tests of bench/oxbench (no server, wrk or database).

Run from the repository root:
    python3 -m unittest discover -s bench -t bench -p 'test_*.py'
"""
