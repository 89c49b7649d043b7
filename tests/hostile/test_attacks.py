"""The attacks of issue 12: each one is refused cleanly, or runs within its limits.

Every case is one command line (with the files it needs, written in its own folder) and what
the program must do with it:

- ``REFUSED``: exit status 2, no traceback, standard error names the offending key (a dotted
  path or an option) and, for a bad value, the value as written; the ``--out`` folder is not
  created, or stays empty. ``before_run`` cases must refuse before simulating (no summary
  table printed).
- ``LIMITED``: big runs the resource guard may refuse (exit 2 naming a key) or run within the
  time limit (exit 0, every number of ``OUT/monthly.csv`` finite).
- ``PRINTED``: scenario names holding console markup or escape codes are printed literally
  (or, for control characters, never reach standard output raw).

Every command runs in a process of its own (``runner.py``) under a limit of CPU seconds and
an address-space limit, a few at a time (as in ``test_corpus.py``), so an attack that is
not refused fails its test instead of hanging the suite or exhausting the machine's memory,
and a loaded machine slows the commands down without failing them.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import copy_of
from tests.hostile import runner
from tests.hostile.test_corpus import MEMORY_BYTES, MINIMAL, PARALLEL, TIMEOUT_S, Text

REFUSE_S = 30
"""CPU seconds of a command that must be refused (refusals take well under a second)."""
QUICK_S = 10
"""CPU seconds of a command that must be refused "within a few seconds"."""
OPTION_MEMORY = 2 * 2**30
"""Address space of a command whose options must be refused before anything is allocated
(a run of minimal.toml fits in 1 GiB)."""
DOCUMENTED_EMPTY = {"events", "partner_margin_per_vm_hour", "pooling_gain"}
"""Columns of monthly.csv the README documents as empty (NaN) in some months."""
PRICE = "pricing.vm_hour_price"
BASE = MINIMAL.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Command:
    """A command line and the paths it must not write to when refused."""

    args: list[str]
    out: Path | None = None
    """The ``--out`` path given (a folder that must stay absent or empty when refused)."""
    absent: tuple[Path, ...] = ()
    """Other paths that must not exist afterwards (a dangling symlink's target)."""


Build = Callable[[Path], Command]
"""Writes a case's files in its folder and returns its command line."""


@dataclass(frozen=True)
class Attack:
    """One attack and what the program must do with it."""

    id: str
    build: Build
    key: Text = ()
    """Acceptable spellings of the key the message must name (none: not checked)."""
    value: Text = ()
    """Acceptable spellings of the value the message must name (none: not checked)."""
    timeout_s: float = REFUSE_S
    """CPU seconds."""
    memory: int = MEMORY_BYTES
    before_run: bool = False
    """Refusals only: the simulation must not have run (no summary table printed)."""
    shows: str = ""
    """Printed cases: text standard output must hold."""
    hides: str = ""
    """Printed cases: text standard output must not hold."""
    may_refuse: bool = False
    """Printed cases: a clean refusal (exit 2) is also acceptable."""


# ---------------------------------------------------------------------------------------
# Building the inputs


def edited(lines: dict[str, str] | None = None, append: str = "", text: str = BASE) -> str:
    """minimal.toml with the first line starting with each key of ``lines`` replaced by its
    value, and ``append`` added at the end."""
    for start, new in (lines or {}).items():
        found = re.search(rf"^{re.escape(start)}.*$", text, re.MULTILINE)
        assert found, f"minimal.toml has no line starting with {start!r}"
        text = text[: found.start()] + new + text[found.end() :]
    return text + "\n" + append


def on_file(command: str, text: str, *more: str) -> Build:
    """``iaas-sim COMMAND FILE MORE...`` on ``text`` (``--out`` added but for validate)."""

    def build(folder: Path) -> Command:
        path = folder / "scenario.toml"
        path.write_text(text, encoding="utf-8")
        if command == "validate":
            return Command([command, str(path), *more])
        out = folder / "out"
        return Command([command, str(path), *more, "--out", str(out)], out)

    return build


def on_minimal(command: str, *more: str) -> Build:
    """``iaas-sim COMMAND minimal.toml MORE... --out DIR``."""

    def build(folder: Path) -> Command:
        out = folder / "out"
        return Command([command, str(MINIMAL), *more, "--out", str(out)], out)

    return build


def nested(depth: int = 100) -> str:
    """An inline table ``depth`` tables deep: ``{a={a={...=1}}}``."""
    return "{a=" * depth + "1" + "}" * depth


def month(k: int) -> str:
    """First day of the ``k``-th month of minimal.toml's run (84 months from 2024-01)."""
    k %= 84
    return f"{2024 + k // 12}-{k % 12 + 1:02d}-01"


def events(count: int) -> str:
    """``count`` events, each setting the price, spread over the run."""
    return "".join(
        f'[[events]]\ndate = {month(i)}\nset = {{ "{PRICE}" = 0.05 }}\n' for i in range(count)
    )


def event_setting(key: str, value: str = "0.04") -> str:
    """minimal.toml with one event whose ``set`` holds ``key`` (TOML key text) = ``value``."""
    return edited(append=f"[[events]]\ndate = 2024-06-01\nset = {{ {key} = {value} }}\n")


SEGMENT = "[[segments]]" + BASE.split("[[segments]]")[1].split("[channels.web]")[0]


def segments(count: int) -> str:
    """``count - 1`` more copies of minimal.toml's segment, named s1, s2..."""
    return "".join(
        SEGMENT.replace('name = "small_businesses"', f'name = "s{i}"') for i in range(1, count)
    )


WITH_DIRECT = {"channel_mix": "channel_mix = { web = 0.5, direct_sales = 0.5 }"}
WITH_PARTNERS = {"channel_mix": "channel_mix = { web = 0.5, partners = 0.5 }"}
PARTNER = '[[channels.partners.types]]\nname = "resellers"\n'
SEGMENT_KEY = ("segments[0]", "segments.small_businesses")
PARTNER_KEY = ("channels.partners.types[0]", "channels.partners.types.resellers")
REPLICATIONS = ("-n", "--replications")
LONG_PATH = ".".join(["a"] * 30_000)
EVENT_SET = "events[0].set"
VALIDATE = ("validate",)


def run_file(text: str) -> Build:
    return on_file("run", text, "--no-plot")


def file_cases(
    id_: str,
    text: str,
    key: Text,
    timeout_s: float = REFUSE_S,
    commands: tuple[str, ...] = ("validate", "run"),
) -> list[Attack]:
    """A bad file through ``validate`` and through ``run``."""
    builds = {"validate": on_file("validate", text), "run": run_file(text)}
    return [Attack(f"{id_}-{c}", builds[c], key, timeout_s=timeout_s) for c in commands]


def value_case(id_: str, lines: dict[str, str], append: str, key: Text, value: Text) -> Attack:
    return Attack(id_, run_file(edited(lines, append)), key, value)


def existing_folder(make: Callable[[Path, Path], list[str]]) -> Build:
    """A command whose ``--out`` is an existing (empty) folder."""

    def build(folder: Path) -> Command:
        out = folder / "existing"
        out.mkdir()
        return Command([*make(folder, out), "--out", str(out)], out)

    return build


def compare_into(folder: Path, out: Path) -> list[str]:
    files = []
    for name in ("a", "b"):
        path = folder / f"{name}.toml"
        path.write_text(edited({"months =": "months = 12"}), encoding="utf-8")
        files.append(str(path))
    return ["compare", *files]


PLOTTED = ("FOLDER", "monthly.parquet", "metrics.json")
"""plot's argument, or the file it could not read; the value is the folder given."""
GARBAGE = b"\x00\xffnot what it claims to be\n" * 8


def corrupt(*names: str) -> Build:
    """``iaas-sim plot`` on a copy of a saved run (``../good``) with ``names`` garbage."""

    def build(folder: Path) -> Command:
        saved = folder / "saved"
        good = folder.parent / "good"
        if good.is_dir():
            shutil.copytree(good, saved)
        saved.mkdir(exist_ok=True)
        for name in names:
            (saved / name).write_bytes(GARBAGE)
        return Command(["plot", str(saved)])

    return build


def out_at(make: Callable[[Path], tuple[Path, tuple[Path, ...]]]) -> Build:
    """``iaas-sim run minimal.toml --out PATH`` for a bad PATH."""

    def build(folder: Path) -> Command:
        out, absent = make(folder)
        return Command(["run", str(MINIMAL), "--no-plot", "--out", str(out)], out, absent)

    return build


def dangling(folder: Path) -> tuple[Path, tuple[Path, ...]]:
    link, target = folder / "dangling", folder / "nowhere"
    link.symlink_to(target)
    return link, (target,)


def loop(folder: Path) -> tuple[Path, tuple[Path, ...]]:
    link = folder / "loop"
    link.symlink_to(link)
    return link, ()


def under_proc(folder: Path) -> tuple[Path, tuple[Path, ...]]:
    return Path("/proc/iaas-sim-test"), ()


def long_name(folder: Path) -> tuple[Path, tuple[Path, ...]]:
    return folder / ("x" * 300), ()


def nested_cases(depth: int, commands: tuple[str, ...]) -> list[Attack]:
    """Tables ``depth`` deep in the description, an unknown key, ``[uncertain]`` and an
    event's ``set``, through each of ``commands``. The key is the dotted path or, for a
    refusal of the TOML text that quotes its line (as in test_corpus's syntax cases), the
    key as written on that line."""
    deep = nested(depth)
    places: list[tuple[str, str, Text]] = [
        ("description", edited({"description =": f"description = {deep}"}), "description"),
        ("extra-key", edited({"schema_version =": f"schema_version = 1\njunk = {deep}"}), "junk"),
        (
            "uncertain",
            edited(append=f'[uncertain]\n"{PRICE}" = {deep}\n'),
            ("uncertain", f'"{PRICE}" ='),
        ),
        (
            "event-set",
            edited(append=f"[[events]]\ndate = 2024-06-01\nset = {deep}\n"),
            (EVENT_SET, "set ="),
        ),
    ]
    return [
        case
        for place, text, key in places
        for case in file_cases(f"nested-{depth}-{place}", text, key, commands=commands)
    ]


def option(
    id_: str,
    build: Build,
    key: Text,
    value: Text = (),
    timeout_s: float = REFUSE_S,
    before_run: bool = False,
) -> Attack:
    """A bad command line: refused before anything is allocated."""
    return Attack(id_, build, key, value, timeout_s, OPTION_MEMORY, before_run)


# ---------------------------------------------------------------------------------------
# The cases


REFUSED: list[Attack] = [
    # 1. bad files: deep tables, event keys that are not paths, huge integers
    *nested_cases(100, ("validate",)),
    *nested_cases(1000, ("validate", "run")),
    *file_cases("event-path-empty", event_setting('""'), EVENT_SET),
    # (validate reads events as run does; run is tried on the first and the last)
    *file_cases("event-path-double-dot", event_setting('"a..b"'), EVENT_SET, commands=VALIDATE),
    *file_cases("event-path-lone-quote", event_setting("'\"'"), EVENT_SET, commands=VALIDATE),
    *file_cases(
        "event-path-unclosed-quote",
        event_setting("'pricing.\"vm_hour_price'"),
        EVENT_SET,
        commands=VALIDATE,
    ),
    *file_cases(
        "event-path-negative-index",
        event_setting('"segments[-1].churn_per_month"', "0.02"),
        EVENT_SET,
        commands=VALIDATE,
    ),
    *file_cases(
        "event-path-30000-parts",
        event_setting(f'"{LONG_PATH}"', "1"),
        EVENT_SET,
        timeout_s=QUICK_S,
    ),
    *file_cases(
        "integer-5000-digits",
        edited({"initial_servers =": "initial_servers = 1" + "0" * 4999}),
        ("capacity.initial_servers", "initial_servers"),
    ),
    # 2. values that crashed runs, and runs too big for memory
    value_case(
        "direct-reps-1e308",
        WITH_DIRECT,
        "[channels.direct_sales]\nreps = 1e308\n",
        "channels.direct_sales.reps",
        ("1e308", "1e+308"),
    ),
    value_case(
        "direct-deals-1e308",
        WITH_DIRECT,
        "[channels.direct_sales]\nreps = 2\ndeals_per_rep_per_month = 1e308\n",
        "channels.direct_sales.deals_per_rep_per_month",
        ("1e308", "1e+308"),
    ),
    value_case(
        "partner-recruited-1e308",
        WITH_PARTNERS,
        PARTNER + "recruited_per_month = 1e308\n",
        "channels.partners.types[0].recruited_per_month",
        ("1e308", "1e+308"),
    ),
    value_case(
        "partner-recruited-2-70",
        WITH_PARTNERS,
        PARTNER + f"recruited_per_month = {2**70}\n",
        "channels.partners.types[0].recruited_per_month",
        str(2**70),
    ),
    value_case(
        "partner-reach-1e308",
        WITH_PARTNERS,
        PARTNER + "recruited_per_month = 5\ncustomers_per_active_partner_per_month = 1e308\n",
        "channels.partners.types[0].customers_per_active_partner_per_month",
        ("1e308", "1e+308"),
    ),
    Attack(
        "guard-million-vms-ten-million-customers",
        run_file(
            edited(
                {
                    "vms_per_customer =": 'vms_per_customer = { dist = "fixed", value = 1000000 }',
                    "potential_customers =": "potential_customers = 4000\n"
                    "initial_customers = 10000000",
                }
            )
        ),
        SEGMENT_KEY,
    ),
    Attack(
        "guard-ten-million-partners-a-month",
        run_file(edited(WITH_PARTNERS, PARTNER + "recruited_per_month = 10000000\n")),
        PARTNER_KEY,
    ),
    # 3. costs, prices and multipliers that overflow to inf/NaN
    value_case(
        "cost-electricity-1e308",
        {"electricity_price_per_kwh =": "electricity_price_per_kwh = 1e308"},
        "",
        "costs.electricity_price_per_kwh",
        ("1e308", "1e+308"),
    ),
    value_case(
        "cost-capex-1e308",
        {"capex_per_server =": "capex_per_server = 1e308"},
        "",
        "capacity.capex_per_server",
        ("1e308", "1e+308"),
    ),
    value_case(
        "cost-colocation-1e308",
        {"colocation_per_rack_month =": "colocation_per_rack_month = 1e308"},
        "",
        "costs.colocation_per_rack_month",
        ("1e308", "1e+308"),
    ),
    value_case(
        "price-sla-multiplier-1e308",
        {"sla_multipliers =": 'sla_multipliers = { "99.7" = 1.0, "99.9" = 1e308, "99.99" = 1.5 }'},
        "",
        'pricing.sla_multipliers."99.9"',
        ("1e308", "1e+308"),
    ),
    value_case(
        "price-marketplace-revenue-1e308",
        {},
        "[marketplace]\nattach_rate = 0.5\nsolution_revenue_per_customer_month = 1e308\n",
        "marketplace.solution_revenue_per_customer_month",
        ("1e308", "1e+308"),
    ),
    value_case(
        "sla-repair-hours-1e-320",
        {},
        '[sla."99.9"]\nfailures_per_year = 4\nrepair_hours_mean = 1e-320\n',
        'sla."99.9".repair_hours_mean',
        "1e-320",
    ),
    # 6. command-line options
    option(
        "mc-n-2-63", on_minimal("mc", "-n", str(2**63), "--jobs", "1"), REPLICATIONS, str(2**63)
    ),
    option(
        "mc-n-1e9", on_minimal("mc", "-n", "1000000000", "--jobs", "1"), REPLICATIONS, "1000000000"
    ),
    option(
        "mc-scheduler-unreachable",
        on_minimal("mc", "-n", "2", "--scheduler", "tls://127.0.0.1:1"),
        "--scheduler",
        "tls://127.0.0.1:1",
        timeout_s=TIMEOUT_S,  # in case the fix tries to connect first
    ),
    option("schema-out-folder", existing_folder(lambda folder, out: ["schema"]), "--out"),
    option("compare-out-folder", existing_folder(compare_into), "--out"),
    option(
        "plot-corrupt-folder",
        corrupt("monthly.parquet", "metrics.json", "iaas-sim.json"),
        ("FOLDER", "monthly.parquet", "metrics.json", "iaas-sim.json"),
        "CASE/saved",
    ),
    option("plot-corrupt-parquet", corrupt("monthly.parquet"), PLOTTED, "CASE/saved"),
    option("plot-corrupt-metrics", corrupt("metrics.json"), PLOTTED, "CASE/saved"),
    option(
        "sweep-grid-1e9",
        on_minimal("sweep", "--param", f"{PRICE}=0.01:0.1:1000000000", "--jobs", "1"),
        ("--param", PRICE),
        "1000000000",
    ),
    option(
        "sweep-points-1e9",
        on_minimal(
            "sweep",
            "--method",
            "lhs",
            "--param",
            f"{PRICE}=0.01:0.1",
            "--points",
            "1000000000",
            "--jobs",
            "1",
        ),
        "--points",
        "1000000000",
    ),
    option(
        "sweep-one-key-two-spellings",
        on_minimal(
            "sweep",
            "--param",
            "segments[0].churn_per_month=[0.01,0.02]",
            "--param",
            "segments.small_businesses.churn_per_month=[0.03]",
            "--jobs",
            "1",
        ),
        ("segments[0].churn_per_month", "segments.small_businesses.churn_per_month"),
    ),
    option(
        "sweep-run-seed",
        on_minimal("sweep", "--param", "run.seed=[1,2]", "--jobs", "1"),
        "run.seed",
    ),
    option(
        "set-path-30000-parts",
        on_minimal("run", "--no-plot", "--set", f"{LONG_PATH}=1"),
        ("--set", "a.a.a"),
        timeout_s=QUICK_S,
    ),
    Attack(
        "schema-version-true",
        run_file(edited({"schema_version =": "schema_version = true"})),
        "schema_version",
        ("true", "True"),
    ),
    # 7. output paths, refused before the simulation runs
    option("out-dangling-symlink", out_at(dangling), "--out", before_run=True),
    option("out-symlink-loop", out_at(loop), "--out", before_run=True),
    option("out-under-proc", out_at(under_proc), "--out", before_run=True),
    option("out-name-300-chars", out_at(long_name), "--out", before_run=True),
]


def limited(id_: str, text: str, key: Text, timeout_s: float = TIMEOUT_S) -> Attack:
    return Attack(id_, run_file(text), key, timeout_s=timeout_s)


LIMITED: list[Attack] = [
    # 1. thousands of events
    Attack("events-5000-validate", on_file("validate", edited(append=events(5000))), "events"),
    limited("events-5000-run", edited(append=events(5000)), "events"),
    # 4. the resource guard: refused up front, or run within the time limit
    limited(
        "guard-30-million-potential",
        edited({"potential_customers =": "potential_customers = 30000000"}),
        SEGMENT_KEY,
    ),
    limited(
        "guard-600-months-ten-million-customers",
        edited(
            {
                "months =": "months = 600",
                "potential_customers =": "potential_customers = 4000\ninitial_customers = 10000000",
            }
        ),
        (*SEGMENT_KEY, "run.months"),
    ),
    limited(
        "guard-100-segments-600-months",
        edited({"months =": "months = 600"}, segments(100)),
        ("segments", "run.months"),
    ),
    limited(
        "guard-reference-customers-10000",
        edited(append="[pooling]\nreference_customers = 10000\n"),
        ("pooling.reference_customers", "pooling.mode"),
        2 * TIMEOUT_S,  # accepted: the guard bounds it at under a minute of CPU
    ),
    limited("guard-1000-events", edited(append=events(1000)), "events"),
    limited(
        "guard-million-customers-per-customer-pooling",
        edited(
            {"potential_customers =": "potential_customers = 4000\ninitial_customers = 1000000"},
            '[pooling]\nmode = "per_customer"\n',
        ),
        ("pooling.mode", *SEGMENT_KEY),
    ),
]


def named(name: str) -> str:
    """minimal.toml, 12 months of it, named ``name`` (TOML basic-string text)."""
    return edited({"name =": f'name = "{name}"', "months =": "months = 12"})


PRINTED: list[Attack] = [
    Attack("name-close-tag-run", run_file(named("[/bold]")), shows="[/bold]"),
    Attack(
        "name-close-tag-mc",
        on_file("mc", named("[/bold]"), "-n", "2", "--jobs", "1"),
        shows="[/bold]",
    ),
    Attack("name-red-tag-run", run_file(named("[red]x")), shows="[red]x"),
    Attack("name-link-tag-run", run_file(named("[link=http://e]x")), shows="[link=http://e]x"),
    Attack("name-raw-escape-run", run_file(named("a\\u001b[31mb")), hides="\x1b", may_refuse=True),
]

ALL = REFUSED + LIMITED + PRINTED


def _ids(case: Attack) -> str:
    return case.id


# ---------------------------------------------------------------------------------------
# Running the commands


@dataclass(frozen=True)
class Done:
    """One finished (or killed) command."""

    command: Command
    folder: Path
    returncode: int | None
    """``None`` when killed at the time limit."""
    stdout: str
    stderr: str
    seconds: float = field(compare=False)

    def shown(self) -> str:
        words = [a.replace(str(self.folder), "CASE") for a in self.command.args]
        text = "iaas-sim " + shlex.join(words)
        return text if len(text) < 300 else text[:300] + "..."

    def errors(self) -> str:
        """Standard error with the case folder blanked (its path names no key)."""
        return self.stderr.replace(str(self.folder), "CASE")


def _launch(case: Attack, folder: Path) -> Done:
    """Run the case's command in a process of its own session under its CPU-time and memory
    limits (``runner.py``; safe from several threads); at a limit the whole session
    (workers included) is killed."""
    command = case.build(folder)
    seen = runner.run(command.args, folder, case.timeout_s, case.memory)
    return Done(command, folder, seen.returncode, seen.stdout, seen.stderr, seen.seconds)


@pytest.fixture(scope="module")
def done(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Done]:
    """The outcome of every selected case, by id; the commands run a few at a time."""
    here = sys.modules[__name__]
    selected = {
        item.callspec.params["case"].id
        for item in request.session.items
        if getattr(item, "module", None) is here
        and hasattr(item, "callspec")
        and "case" in item.callspec.params
    }
    root = tmp_path_factory.mktemp("attacks")
    if any(c.startswith("plot-") for c in selected):  # a saved run for the plot cases
        copy_of(request.getfixturevalue("saved_run"), root / "good")
    jobs = []
    for i, case in enumerate(c for c in ALL if c.id in selected):
        folder = root / f"{i:03d}"  # the folder's name does not hold the case id
        folder.mkdir()
        jobs.append((case, folder))
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {case.id: pool.submit(_launch, case, folder) for case, folder in jobs}
        return {key: future.result() for key, future in futures.items()}


# ---------------------------------------------------------------------------------------
# Checking the outcomes


def _spellings(text: Text) -> tuple[str, ...]:
    return (text,) if isinstance(text, str) else text


def _names_key(text: str, key: Text) -> bool:
    """Whether ``text`` names one spelling of ``key`` as a whole token (``-n`` does not match
    inside ``non-negative``, ``segments[0]`` matches inside ``segments[0].name``)."""
    return any(re.search(rf"(?<![\w.\-]){re.escape(k)}(?!\w)", text) for k in _spellings(key))


def _names_value(text: str, value: Text) -> bool:
    """Whether ``text`` holds one spelling of ``value`` as a whole token (``0.5`` does not
    match inside ``0.55``)."""
    return any(re.search(rf"(?<![\w.]){re.escape(v)}(?!\w|\.\d)", text) for v in _spellings(value))


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long, a symlink loop
        return False


def _written(command: Command) -> list[str]:
    """What a refused command left behind."""
    found = []
    if command.out is not None:
        try:
            entries = sorted(p.name for p in command.out.iterdir()) if command.out.is_dir() else []
        except OSError:
            entries = []
        if entries:
            found.append(f"wrote {', '.join(entries)} to --out")
    found += [f"created {p.name}" for p in command.absent if _exists(p) or p.is_symlink()]
    return found


def _crashed(seen: Done) -> list[str]:
    problems = []
    if seen.returncode is None:
        problems.append("not finished within the time limit")
    if "Traceback" in seen.stdout + seen.stderr:
        problems.append("a traceback")
    return problems


def _nonfinite(seen: Done) -> list[str]:
    """Problems with OUT/monthly.csv of an accepted run: missing, or numbers that are not
    finite (NaN allowed only in the columns the README documents as empty)."""
    if seen.command.out is None or seen.command.args[0] != "run":
        return []
    path = seen.command.out / "monthly.csv"
    if not path.is_file():
        return ["no monthly.csv written"]
    numbers = pd.read_csv(path).select_dtypes("number")
    bad = [
        str(column)
        for column in numbers
        if np.isinf(values := numbers[column].to_numpy(dtype=float)).any()
        or (column not in DOCUMENTED_EMPTY and np.isnan(values).any())
    ]
    return [f"monthly.csv has numbers that are not finite in {', '.join(bad)}"] if bad else []


def _report(seen: Done, problems: list[str]) -> str:
    """What went wrong with a case, for the assertion's message."""
    return (
        f"{seen.shown()} ({seen.seconds:.1f} s): "
        + "; ".join(problems)
        + "\n  stderr (last lines):\n"
        + _tail(seen.errors())
    )


def _tail(text: str, lines: int = 12) -> str:
    kept = text.strip().splitlines()
    cut = f"    ... ({len(kept) - lines} lines before)\n" if len(kept) > lines else ""
    return cut + "\n".join("    " + line[:300] for line in kept[-lines:])


def _refusal_problems(case: Attack, seen: Done) -> list[str]:
    problems = _crashed(seen)
    if seen.returncode is not None and seen.returncode != 2:
        problems.append(f"exit status {seen.returncode}, expected 2")
    if case.key and not _names_key(seen.errors(), case.key):
        problems.append(f"stderr does not name the key {_spellings(case.key)}")
    if case.value and not _names_value(seen.errors(), case.value):
        problems.append(f"stderr does not name the value {_spellings(case.value)}")
    return problems + _written(seen.command)


@pytest.mark.parametrize("case", REFUSED, ids=_ids)
def test_refused(case: Attack, done: dict[str, Done]) -> None:
    """Exit status 2, no traceback, the key (and value) named, nothing written."""
    seen = done[case.id]
    problems = _refusal_problems(case, seen)
    if case.before_run and "NPV" in seen.stdout:
        problems.append("refused only after simulating (the summary table was printed)")
    assert not problems, _report(seen, problems)


SLOW = {
    "guard-600-months-ten-million-customers",
    "guard-100-segments-600-months",
    "guard-million-customers-per-customer-pooling",
    "guard-reference-customers-10000",
}
"""Cases that run 15-60 s unless the guard refuses them."""


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.slow) if c.id in SLOW else c for c in LIMITED],
    ids=_ids,
)
def test_refused_or_within_limits(case: Attack, done: dict[str, Done]) -> None:
    """A refusal naming a key (exit 2), or a run within the time and memory limits whose
    monthly numbers are all finite (exit 0)."""
    seen = done[case.id]
    if seen.returncode == 2:
        problems = _refusal_problems(case, seen)
    else:
        problems = _crashed(seen)
        if seen.returncode not in (0, None):
            problems.append(f"exit status {seen.returncode}, expected 2 (refused) or 0")
        if seen.returncode == 0:
            problems += _nonfinite(seen)
    assert not problems, _report(seen, problems)


@pytest.mark.parametrize("case", PRINTED, ids=_ids)
def test_name_printed_literally(case: Attack, done: dict[str, Done]) -> None:
    """Exit status 0 (or, where allowed, a clean refusal) and the name printed as written."""
    seen = done[case.id]
    problems = _crashed(seen)
    if seen.returncode == 0:
        if case.shows and case.shows not in seen.stdout:
            problems.append(f"stdout does not show {case.shows!r} literally")
        problems += _nonfinite(seen)
    elif seen.returncode is not None and not (case.may_refuse and seen.returncode == 2):
        problems.append(f"exit status {seen.returncode}, expected 0")
    if case.hides and case.hides in seen.stdout:
        problems.append(f"stdout holds {case.hides!r} raw")
    assert not problems, _report(seen, problems)


def test_case_ids_unique() -> None:
    ids = [c.id for c in ALL]
    assert len(ids) == len(set(ids))
