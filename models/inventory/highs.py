"""HiGHS instances for the location models (the only place that constructs them)."""

from __future__ import annotations

import os
import sys

import highspy


def new_highs() -> highspy.Highs:
    """A HiGHS instance with output off.

    HiGHS prints a banner to the process's standard output the first time an instance is
    made, before any option can be set; it would corrupt ``--json -`` output, so the file
    descriptor is pointed at /dev/null while the instance is built.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h
