"""``OptionError``: a bad experiment setting (raised by the experiments and both executors)."""

from __future__ import annotations


class OptionError(ValueError):
    """A bad experiment setting; ``option`` names the argument of the Python API that sets
    it (``n_replications``, ``scheduler``...), which the command line shows as its own
    option (``-n``, ``--scheduler``)."""

    def __init__(self, option: str, message: str) -> None:
        self.option = option
        super().__init__(message)
