#!/usr/bin/env python3
"""Load harness for oxidp; writes BENCHMARKS.md. See `python3 bench/run.py --help`.

A thin entry point: the harness lives in bench/oxbench/ (one module per
job, unit-tested by bench/tests/)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from oxbench import procs  # noqa: E402
from oxbench.main import main  # noqa: E402

if __name__ == "__main__":
    try:
        sys.exit(main())
    except procs.Interrupted as e:  # a second signal while reporting the first
        sys.exit(e.status)
