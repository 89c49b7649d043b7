"""The ``iaas-sim`` command line: one module per command (``run.py``, ``mc.py``...), the
prologue they share (``prologue.py``: load, ``--set``, guard, seed, output), output folders
written as a whole (``output.py``), progress on standard error (``progress.py``); the app
and the console script's ``main`` in ``app.py``."""

from iaas_sim.cli.app import app, main

__all__ = ["app", "main"]
