"""The ``iaas-sim`` command: the typer app of every command, and the console script's
entry point."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from iaas_sim.cli.columns import columns
from iaas_sim.cli.compare import compare
from iaas_sim.cli.mc import mc
from iaas_sim.cli.plot import plot
from iaas_sim.cli.pooling import pooling
from iaas_sim.cli.report import report
from iaas_sim.cli.run import run
from iaas_sim.cli.schema import schema
from iaas_sim.cli.sensitivity import sensitivity
from iaas_sim.cli.solve import solve
from iaas_sim.cli.sweep import sweep
from iaas_sim.cli.validate import validate

COMMANDS: tuple[Callable[..., None], ...] = (
    pooling,
    mc,
    sweep,
    sensitivity,
    solve,
    plot,
    compare,
    report,
    validate,
    run,
    schema,
    columns,
)
"""Every command, in the order ``iaas-sim --help`` lists them; each is the function of the
same name in ``iaas_sim/cli/<name>.py``. A new command: a module of its own, its function
added here."""

app = typer.Typer(
    name="iaas-sim",
    help="Simulate an IaaS provider's business: customers, channels, pooling, P&L, cash.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for command in COMMANDS:
    app.command()(command)


def main() -> None:
    """Entry point of the console script. SIGTERM (a ``timeout``, a job scheduler) ends a
    command as Ctrl-C does: what it was writing is removed, and it exits 143."""
    import os
    import signal

    main_pid = os.getpid()

    def terminate(signum: int, frame: Any) -> None:
        if os.getpid() != main_pid:  # a worker process forked from this one: just end
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    app()
