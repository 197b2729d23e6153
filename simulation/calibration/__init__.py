"""The stages of :func:`simulation.calibrate.calibrate`, one module per part of the process."""
