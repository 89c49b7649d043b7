"""``OptionError``: a bad experiment setting (raised by the experiments and both executors)."""

from __future__ import annotations


class OptionError(ValueError):
    """A bad experiment setting, tied to the command-line option that sets it."""

    def __init__(self, option: str, message: str) -> None:
        self.option = option
        super().__init__(message)
