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


#: relative gap at which HiGHS stops every MILP here; a result is called optimal only from its
#: proven bound (facility_problem.OPTIMALITY_GAP), so this merely has to be smaller than that
MIP_REL_GAP = 1e-7


def new_mip_highs(time_limit_s: float) -> highspy.Highs:
    """:func:`new_highs` set up for a MILP: wall-time limit (s), :data:`MIP_REL_GAP` and a
    fixed random seed (the same run gives the same result)."""
    h = new_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    h.setOptionValue("random_seed", 0)
    return h
