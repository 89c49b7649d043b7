"""Every bad input is refused cleanly, by the command line and by the Python API.

Each case is a line of data: its id, the key the message must name (a dotted path, or the
option), and the value it must name (as written, or its repr); a tuple lists acceptable
spellings. For a missing key the value is the word ``missing``. Both must appear on one line
of the message (the file's own path, which holds the case id, is blanked first).

- ``FILE_CASES``: the files of ``corpus/`` (each one a small valid scenario broken in one
  place, said in its first line). All are checked by one ``iaas-sim validate`` of the whole
  corpus and by ``iaas_sim.load_scenario``; the first file of each category (the id's prefix)
  also goes through ``iaas-sim run``, which must exit 2 and write nothing.
- ``COMMAND_CASES``: bad ``--set`` items, sweep specs and goals on ``scenarios/minimal.toml``,
  and scenario paths that are missing, a folder, not UTF-8 or empty.

Every command runs in a process of its own (forked from a server that imported iaas_sim
once: ``runner.py``) with a limit of CPU seconds and an address-space limit, so an input
that is not refused cannot hang the suite or exhaust the machine's memory, and a loaded
machine cannot make one fail; the commands run a few at a time.
"""

from __future__ import annotations

import os
import re
import shlex
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import iaas_sim as sim
from tests.conftest import ROOT
from tests.hostile import runner

CORPUS = Path(__file__).parent / "corpus"
MINIMAL = ROOT / "scenarios" / "minimal.toml"
TIMEOUT_S = 60
"""CPU seconds of a command (``runner.py``: a wall-clock limit ten times longer remains)."""
MEMORY_BYTES = 6 * 2**30
PARALLEL = min(8, (os.cpu_count() or 2) + 1)

Text = str | tuple[str, ...]


@dataclass(frozen=True)
class Bad:
    """A bad input and what the refusal must name."""

    id: str
    """File name in ``corpus/`` without ``.toml``, or a name for a command case."""
    key: Text
    """The offending key: dotted path, option name or file path ({placeholders} allowed)."""
    value: Text
    """The offending value, as written or its repr."""
    args: tuple[str, ...] = ()
    """Command cases: the command line, before ``--out DIR``."""


FILE_CASES = [
    # TOML syntax errors: the message should quote the key and the value of the broken line
    Bad("syntax-unclosed-string", "description", "Launch plan for 2024"),
    Bad("syntax-duplicate-key", "vm_hour_price", "0.06"),
    Bad("syntax-bad-date-month-13", "start", "2024-13-01"),
    Bad("syntax-bad-date-feb-30", "price_cut_start", "2024-02-30"),
    Bad("syntax-missing-equals", "seed", "4242"),
    Bad("syntax-unclosed-table-header", "pricing", "[pricing"),
    Bad("syntax-unclosed-inline-table", "channel_mix", "{ web = 1.0"),
    Bad("syntax-unclosed-array", "funding", "500000"),
    Bad("syntax-bare-word", "currency", "EUR"),
    Bad("syntax-thousands-comma", "potential_customers", "1,000"),
    # wrong types
    Bad("type-string-for-price", "pricing.vm_hour_price", "0.05"),
    Bad("type-string-for-months", "run.months", "eighteen"),
    Bad("type-table-for-staff-list", "costs.staff", "founders"),
    Bad("type-table-for-funding-list", "finance.funding", "500000"),
    Bad("type-table-for-segments-list", "segments", "smb"),
    Bad("type-list-for-price", "pricing.vm_hour_price", "[0.05]"),
    Bad("type-list-for-servers", "capacity.initial_servers", "[10, 20]"),
    Bad("type-bool-for-price", "pricing.vm_hour_price", ("true", "True")),
    Bad("type-bool-for-servers", "capacity.initial_servers", ("false", "False")),
    Bad("type-decimal-for-months", "run.months", "12.5"),
    Bad("type-number-for-profile", "segments[0].usage_profile", "3.5"),
    Bad("type-number-for-date", "run.start", "20240101"),
    # unknown and misspelt keys
    Bad("unknown-vm-hour-prise", "pricing.vm_hour_prise", "0.05"),
    Bad("unknown-segmnets-table", "segmnets", "smb"),
    Bad("unknown-top-level-key", "owner", "finance team"),
    Bad("unknown-run-seeed", "run.seeed", "7"),
    Bad("unknown-churn-per-mont", "segments[0].churn_per_mont", "0.01"),
    Bad("unknown-channel-webshop", "segments[0].channel_mix.webshop", "1.0"),
    Bad("unknown-sla-tier", 'segments[0].sla_mix."99.95"', "0.2"),
    Bad("unknown-threshold-hihg", "capacity.thresholds.hihg", "0.85"),
    Bad("unknown-dist-parameter", "segments[0].vms_per_customer.sd", "1.5"),
    Bad("unknown-event-path", 'events[0].set."pricing.vm_hour_prise"', "0.04"),
    Bad("unknown-uncertain-path", "uncertain", "pricing.vm_hour_prise"),
    # missing required sections and keys
    Bad("missing-run-section", "run", "missing"),
    Bad("missing-segments", "segments", "missing"),
    Bad("missing-vm-hour-price", "pricing.vm_hour_price", "missing"),
    Bad("missing-schema-version", "schema_version", "missing"),
    Bad("missing-run-start", "run.start", "missing"),
    Bad("missing-channel-mix", "segments[0].channel_mix", "missing"),
    Bad("missing-staff-cost", "costs.staff[0].loaded_cost_per_year", "missing"),
    Bad("missing-funding-amount", "finance.funding[0].amount", "missing"),
    # negative numbers where only positive ones make sense
    Bad("negative-price", "pricing.vm_hour_price", "-0.05"),
    Bad("negative-months", "run.months", "-12"),
    Bad("negative-initial-servers", "capacity.initial_servers", "-10"),
    Bad("negative-capex", "capacity.capex_per_server", "-6000.0"),
    Bad("negative-headcount", "costs.staff[0].headcount", "-2"),
    Bad("negative-headcount-step", "costs.staff[0].headcount[1].value", "-1"),
    Bad("negative-potential-customers", "segments[0].potential_customers", "-500"),
    Bad("negative-funding-amount", "finance.funding[0].amount", "-500000"),
    Bad("negative-colocation", "costs.colocation_per_rack_month", "-1200"),
    Bad("negative-initial-cash", "finance.initial_cash", "-10000"),
    # NaN and infinities
    Bad("nonfinite-nan-price", "pricing.vm_hour_price", "nan"),
    Bad("nonfinite-inf-capex", "capacity.capex_per_server", "inf"),
    Bad("nonfinite-minus-inf-marketing", "costs.marketing_per_month", "-inf"),
    Bad("nonfinite-nan-churn", "segments[0].churn_per_month", "nan"),
    Bad("nonfinite-nan-sla-share", 'segments[0].sla_mix."99.7"', "nan"),
    Bad("nonfinite-inf-provider-share", "marketplace.provider_share", "inf"),
    Bad("nonfinite-nan-staff-cost", "costs.staff[0].loaded_cost_per_year", "nan"),
    Bad("nonfinite-inf-funding", "finance.funding[0].amount", "inf"),
    Bad("nonfinite-inf-uncertain-high", 'uncertain."pricing.vm_hour_price".high', "inf"),
    # shares and probabilities outside [0, 1]
    Bad("share-churn-above-1", "segments[0].churn_per_month", "1.5"),
    Bad("share-active-negative", "channels.partners.types[0].share_active", "-0.1"),
    Bad("share-provider-share-2", "marketplace.provider_share", "2"),
    Bad("share-sla-mix-out-of-range", 'segments[0].sla_mix."99.9"', "1.2"),
    Bad("share-reserved-uptake-above-1", "segments[0].reserved_uptake", "1.01"),
    Bad("share-maintenance-above-1", "costs.maintenance_share_of_capex_per_year", "1.5"),
    Bad("share-attach-rate-negative", "marketplace.attach_rate", "-0.5"),
    Bad("share-partner-discount-1", "channels.partners.types[0].discounts.registered.start", "1.0"),
    Bad("share-vendor-share-above-1", "capacity.vendor_share_of_servers", "1.5"),
    # groups of shares that do not sum to 1 (the value is the sum, or the table as written)
    Bad("mix-channel-below-1", "segments[0].channel_mix", "0.7"),
    Bad("mix-channel-above-1", "segments[0].channel_mix", "1.2"),
    Bad("mix-channel-empty", "segments[0].channel_mix", ("0", "{}")),
    Bad("mix-sla-below-1", "segments[0].sla_mix", "0.8"),
    Bad("mix-tier-mix-below-1", "channels.partners.types[0].tier_mix", "0.9"),
    Bad("mix-discrete-weights-below-1", "segments[0].vms_per_customer", "0.9"),
    # thresholds and levels out of order
    Bad("order-threshold-low-above-target", "capacity.thresholds", "low=0.9"),
    Bad("order-threshold-target-above-high", "capacity.thresholds", "target=0.9"),
    Bad("order-threshold-high-above-1", "capacity.thresholds.high", "1.2"),
    Bad("order-premium-below-certified", "premium_from_vms", "100"),
    Bad("order-sla-credits-shrink", 'sla."99.7".credits', "0.1"),
    # dates out of range or out of order
    Bad("date-start-1850", "run.start", "1850-01-01"),
    Bad("date-start-3000", "run.start", "3000-01-01"),
    Bad("date-start-mid-month", "run.start", "2024-01-15"),
    Bad("date-start-with-time", "run.start", ("2024-01-01T00:00:00", "2024-01-01 00:00:00")),
    Bad("date-adoption-after-run", "segments[0].adoption_start", "2030-01-01"),
    Bad("date-reps-steps-decreasing", "channels.direct_sales.reps", "2024-03-01"),
    Bad("date-headcount-steps-repeated", "costs.staff[0].headcount", "2024-05-01"),
    Bad("date-funding-after-run", "finance.funding[0].date", "2026-01-01"),
    Bad("date-funding-before-run", "finance.funding[0].date", "2023-06-01"),
    Bad("date-text-not-a-date", "pricing.price_cut_start", "next spring"),
    Bad("date-text-month-13", "pricing.price_cut_start", "2024-13"),
    # dated events
    Bad("event-before-run", "events[0].date", "2023-06-01"),
    Bad("event-after-run", "events[0].date", "2026-01-01"),
    Bad("event-after-last-month-start", "events[0].date", "2024-12-15"),
    Bad("event-changes-run", 'events[0].set."run.months"', "24"),
    Bad("event-negative-price", 'events[0].set."pricing.vm_hour_price"', "-1.0"),
    Bad("event-empty-set", "events[0].set", "{}"),
    # segments
    Bad("segment-empty-list", "segments", "[]"),
    Bad("segment-empty-name", "segments[0].name", ("''", '""')),
    Bad("segment-name-with-space", "segments[0].name", "small business"),
    # names that must be unique
    Bad("duplicate-segment-names", "segments", "smb"),
    Bad("duplicate-partner-types", "channels.partners.types", "resellers"),
    Bad("duplicate-staff-roles", "costs.staff", "founders"),
    # zero capacity with demand
    Bad("capacity-zero-vms-per-server", "capacity.vms_per_server", "0"),
    Bad("capacity-zero-servers-per-rack", "capacity.servers_per_rack", "0"),
    Bad("capacity-zero-vms-per-customer", "segments[0].vms_per_customer.value", "0"),
    Bad("capacity-zero-web-size", "channels.web.max_vms_per_customer", "0"),
    Bad("capacity-zero-admission", "capacity.admission_max_utilisation", "0.0"),
    Bad("capacity-zero-min-order", "capacity.min_order_servers", "0"),
    # distributions with impossible parameters ([uncertain] and vms_per_customer)
    Bad("dist-uniform-low-above-high", 'uncertain."pricing.vm_hour_price"', "low=0.06"),
    Bad("dist-normal-negative-sd", 'uncertain."pricing.vm_hour_price".sd', "-0.01"),
    Bad("dist-triangular-mode-outside", 'uncertain."pricing.vm_hour_price"', "mode=0.07"),
    Bad("dist-lognormal-zero-mean", 'uncertain."segments.smb.potential_customers".mean', "0.0"),
    Bad(
        "dist-lognormal-negative-mean", 'uncertain."segments.smb.potential_customers".mean', "-500"
    ),
    Bad("dist-unknown-name", 'uncertain."pricing.vm_hour_price"', "gamma"),
    Bad("dist-beta-zero-alpha", 'uncertain."segments.smb.churn_per_month".alpha', "0"),
    Bad("dist-beta-negative-beta", 'uncertain."segments.smb.churn_per_month".beta', "-2"),
    Bad("dist-normal-churn-can-be-negative", 'uncertain."segments.smb.churn_per_month"', "-0.07"),
    Bad("dist-vms-geometric-mean-below-1", "segments[0].vms_per_customer.mean", "0.5"),
    Bad("dist-vms-unknown-name", "segments[0].vms_per_customer", "poisson"),
    Bad("dist-vms-lognormal-zero-sd", "segments[0].vms_per_customer.sd", "0.0"),
    # rank correlations
    Bad("corr-rank-above-1", "correlations[0].rank", "1.5"),
    Bad("corr-rank-minus-1", "correlations[0].rank", "-1.0"),
    Bad("corr-rank-nan", "correlations[0].rank", "nan"),
    Bad("corr-not-positive-definite", "correlations", "-0.9"),
    Bad("corr-unknown-input", "correlations[0].between", "pricing.vm_hour_prise"),
    # sizes that would exhaust memory or time, or make no sense
    Bad(
        "size-potential-customers-1e12",
        "segments[0].potential_customers",
        ("1e12", "1000000000000.0"),
    ),
    Bad("size-months-1000000", "run.months", "1000000"),
    Bad("size-initial-customers-1e9", "segments[0].initial_customers", "1000000000"),
    Bad("size-initial-servers-1e9", "capacity.initial_servers", "1000000000"),
    Bad("size-fixed-vms-1e12", "segments[0].vms_per_customer.value", "1000000000000"),
]


def set_(id_: str, item: str, key: Text | None = None, value: Text | None = None) -> Bad:
    """``iaas-sim run minimal.toml --set ITEM``; the message must name ITEM's path and value
    unless told otherwise."""
    path, _, text = item.partition("=")
    return Bad(
        id_,
        path if key is None else key,
        text if value is None else value,
        ("run", "{base}", "--set", item),
    )


def sweep(
    id_: str,
    param: str,
    key: Text | None = None,
    value: Text | None = None,
    more: tuple[str, ...] = (),
) -> Bad:
    """``iaas-sim sweep minimal.toml --param PARAM``; the message must name PARAM's path and
    spec unless told otherwise."""
    path, _, spec = param.partition("=")
    args = ("sweep", "{base}", "--param", param, "--jobs", "1", *more)
    return Bad(id_, path if key is None else key, spec if value is None else value, args)


def goal(id_: str, text: str, value: Text | None = None) -> Bad:
    """``iaas-sim mc minimal.toml -n 2 --goal TEXT``; the message must name ``--goal`` and
    the goal as written unless told otherwise."""
    args = ("mc", "{base}", "-n", "2", "--jobs", "1", "--goal", text)
    return Bad(id_, "--goal", text if value is None else value, args)


PRICE = "pricing.vm_hour_price"

COMMAND_CASES = [
    # --set items
    set_("set-price-text", f"{PRICE}=abc"),
    set_("set-unknown-path", "no.such.key=1"),
    set_("set-negative-months", "run.months=-1"),
    set_("set-decimal-comma", f"{PRICE}=0,08"),
    set_("set-without-equals", PRICE, key="--set", value=PRICE),
    set_("set-empty-path", "=0.04", key="--set", value="=0.04"),
    set_("set-index-out-of-range", "segments[3].churn_per_month=0.1"),
    set_("set-unreadable-path", "segments[0.churn_per_month=0.1"),
    set_(
        "set-nan-churn",
        "segments.small_businesses.churn_per_month=nan",
        key=("segments.small_businesses.churn_per_month", "segments[0].churn_per_month"),
    ),
    set_("set-infinite-price", f"{PRICE}=1e400", value=("1e400", "inf")),
    set_("set-unclosed-list", f"{PRICE}=[0.04"),
    set_("set-start-1850", "run.start=1850-01-01"),
    set_("set-text-for-bool", "capacity.forecast=yes"),
    set_("set-mix-not-summing", "segments[0].channel_mix={ web = 0.5 }", value="0.5"),
    set_("set-empty-segments", "segments=[]"),
    # sweep specs
    sweep("sweep-reversed-range", f"{PRICE}=0.05:0.03:3"),
    sweep("sweep-zero-count", f"{PRICE}=0.03:0.05:0"),
    sweep("sweep-empty-list", f"{PRICE}=[]"),
    sweep("sweep-empty-range", f"{PRICE}=0.05:0.05:3"),
    sweep("sweep-negative-count", f"{PRICE}=0.03:0.05:-2"),
    sweep("sweep-nan-low", f"{PRICE}=nan:0.05:3"),
    sweep("sweep-unreadable-spec", f"{PRICE}=cheap"),
    sweep("sweep-unclosed-list", f"{PRICE}=[0.03, 0.05"),
    sweep("sweep-value-refused", f"{PRICE}=[-0.05, 0.05]", value="-0.05"),
    sweep("sweep-unknown-path", "no.such.key=1:2:3", value=("1:2:3", "1.0")),
    sweep(
        "sweep-bad-method",
        f"{PRICE}=0.03:0.05:3",
        key="--method",
        value="grd",
        more=("--method", "grd"),
    ),
    # Monte Carlo goals, and options typer checks
    goal("mc-goal-double-operator", "npv >> 3"),
    goal("mc-goal-unknown-metric", "npvv >= 0", value="npvv"),
    goal("mc-goal-month-outside-run", "cumulative_cash >= 0 at 2099-12", value="2099-12"),
    goal("mc-goal-month-13", "payback_month <= 2024-13", value="2024-13"),
    goal("mc-goal-month-metric-vs-number", "payback_month <= 5"),
    goal("mc-goal-empty", "", value=("''", '""')),
    goal("mc-goal-nan", "npv >= nan", value="nan"),
    goal("mc-goal-infinite", "npv >= 1e400", value="1e400"),
    Bad("mc-zero-replications", ("-n", "--replications"), "0", ("mc", "{base}", "-n", "0")),
    Bad("run-negative-seed", "--seed", "-1", ("run", "{base}", "--seed", "-1")),
    # scenario paths: the message must name the path
    Bad("path-missing", "{missing}", "no such file", ("run", "{missing}")),
    Bad("path-folder", "{folder}", "not a file", ("run", "{folder}")),
    Bad("path-not-utf8", "{latin1}", ("0xe9", "\\xe9"), ("run", "{latin1}")),
    Bad("path-empty", "{empty}", "empty", ("run", "{empty}")),
    Bad(
        "path-missing-sweep",
        "{missing}",
        "no such file",
        ("sweep", "{missing}", "--param", f"{PRICE}=0.03:0.05:3"),
    ),
    Bad("path-folder-mc", "{folder}", "not a file", ("mc", "{folder}", "-n", "2")),
]

PATH_CASES = [c for c in COMMAND_CASES if c.args[0] == "run" and c.args[1] != "{base}"]


def _first_of_each_category(cases: list[Bad]) -> list[Bad]:
    firsts: dict[str, Bad] = {}
    for case in cases:
        firsts.setdefault(case.id.split("-")[0], case)
    return list(firsts.values())


RUN_CASES = _first_of_each_category(FILE_CASES)
"""The corpus files also run through ``iaas-sim run``: the first of each category."""

CLI_CASES = RUN_CASES + COMMAND_CASES


def _ids(case: Bad) -> str:
    return case.id


def _spellings(text: Text) -> tuple[str, ...]:
    return (text,) if isinstance(text, str) else text


def _names_both(text: str, case: Bad, places: dict[str, str] | None = None) -> bool:
    """Whether one line of ``text`` names the case's key and its value (the value as a whole
    token: ``0.5`` does not match inside ``0.55``)."""
    keys = [_fill(k, places or {}) for k in _spellings(case.key)]
    values = [re.compile(rf"(?<![\w.]){re.escape(v)}(?!\w|\.\d)") for v in _spellings(case.value)]
    return any(
        any(k in line for k in keys) and any(v.search(line) for v in values)
        for line in text.splitlines()
    )


def _fill(text: str, places: dict[str, str]) -> str:
    for name, value in places.items():
        text = text.replace("{" + name + "}", value)
    return text


def _corpus_file(case: Bad) -> Path:
    return CORPUS / f"{case.id}.toml"


def _trimmed(text: str, lines: int = 25) -> str:
    kept = text.strip().splitlines()
    more = f"\n    ... ({len(kept) - lines} more lines)" if len(kept) > lines else ""
    return "\n".join("    " + line for line in kept[:lines]) + more


# ---------------------------------------------------------------------------------------
# Running the command line


@dataclass(frozen=True)
class Outcome:
    """One finished command."""

    args: list[str]
    returncode: int | None
    """``None`` when killed at the time limit."""
    stdout: str
    stderr: str
    out: Path
    """The ``--out`` folder given to the command."""

    def shown(self) -> str:
        words = [a.replace(str(ROOT) + os.sep, "") for a in self.args]
        return "iaas-sim " + shlex.join(words)


def _iaas_sim(args: list[str], cwd: Path, out: Path | None = None) -> Outcome:
    """Run the CLI as a user would, in a process of its own (with ``--out OUT`` when
    given), under CPU-time and memory limits; safe from several threads."""
    if out is not None:
        args = [*args, "--out", str(out)]
    done = runner.run(args, cwd, TIMEOUT_S, MEMORY_BYTES)
    return Outcome(args, done.returncode, done.stdout, done.stderr, out or cwd / "no-out")


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What the {placeholders} of the command cases stand for: the scenario the options are
    tried on, and bad scenario paths."""
    folder = tmp_path_factory.mktemp("paths")
    (folder / "folder.toml").mkdir()
    (folder / "latin1.toml").write_bytes(b'schema_version = 1\nname = "Caf\xe9"\n')
    (folder / "zero-bytes.toml").write_bytes(b"")
    return {
        "base": str(MINIMAL),
        "missing": str(folder / "absent.toml"),
        "folder": str(folder / "folder.toml"),
        "latin1": str(folder / "latin1.toml"),
        "empty": str(folder / "zero-bytes.toml"),
    }


@pytest.fixture(scope="module")
def cli(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    places: dict[str, str],
) -> dict[str, Outcome]:
    """The outcome of every selected CLI case, by id; the commands run a few at a time."""
    selected = {
        item.callspec.id
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_cli_refuses" and hasattr(item, "callspec")
    }
    root = tmp_path_factory.mktemp("cli")
    jobs = {}
    for i, case in enumerate(c for c in CLI_CASES if c.id in selected):
        args = case.args or ("run", str(_corpus_file(case)))
        cwd = root / f"{i:03d}"  # the out folder's name does not hold the case id
        cwd.mkdir()
        jobs[case.id] = ([_fill(a, places) for a in args], cwd, cwd / "out")
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {key: pool.submit(_iaas_sim, *job) for key, job in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@dataclass(frozen=True)
class Validated:
    """What ``iaas-sim validate`` said about one file."""

    command: str
    returncode: int | None
    ok: bool
    """Whether it printed ``FILE: OK``."""
    lines: list[str]
    """Its lines on standard error (warnings left out), the file's path blanked."""
    crashed: bool


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Validated]:
    """``iaas-sim validate`` of the whole corpus in one process; file by file if that
    process crashed (a crash stops it at one file)."""
    cwd = tmp_path_factory.mktemp("validate")
    paths = {case.id: _corpus_file(case) for case in FILE_CASES}
    whole = _iaas_sim(["validate", *map(str, paths.values())], cwd)
    if "Traceback" not in whole.stdout + whole.stderr and whole.returncode is not None:
        return {key: _report(whole, path, list(paths.values())) for key, path in paths.items()}
    with ThreadPoolExecutor(PARALLEL) as pool:
        each = pool.map(lambda p: _iaas_sim(["validate", str(p)], cwd), paths.values())
        return {
            key: _report(done, paths[key], [paths[key]])
            for key, done in zip(paths, each, strict=True)
        }


def _report(outcome: Outcome, path: Path, batch: list[Path]) -> Validated:
    """The lines about ``path`` in a validate run over ``batch`` (a line without a file's
    prefix continues the line before)."""
    prefixes = [f"{p}: " for p in batch]
    mine, current = [], None
    for line in outcome.stderr.splitlines():
        starts = [p for p in prefixes if line.startswith(p)]
        current = starts[0] if starts else current
        if current == f"{path}: " and not line.startswith(f"{path}: warning:"):
            mine.append(line.replace(str(path), "FILE"))
    alone = "" if len(batch) == 1 else " (with the rest of the corpus)"
    return Validated(
        command=f"iaas-sim validate corpus/{path.name}{alone}",
        returncode=outcome.returncode,
        ok=f"{path}: OK" in outcome.stdout.splitlines(),
        lines=mine,
        crashed="Traceback" in outcome.stdout + outcome.stderr,
    )


# ---------------------------------------------------------------------------------------
# The tests


def test_corpus_and_case_list_agree() -> None:
    on_disk = sorted(p.stem for p in CORPUS.glob("*.toml"))
    assert on_disk == sorted(c.id for c in FILE_CASES)
    ids = [c.id for c in FILE_CASES + COMMAND_CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert len(ids) >= 70


@pytest.mark.parametrize("case", FILE_CASES, ids=_ids)
def test_validate_names_key_and_value(case: Bad, validated: dict[str, Validated]) -> None:
    seen = validated[case.id]
    problems = []
    if seen.ok or not seen.lines:
        problems.append("not refused (FILE: OK)" if seen.ok else "no problem printed")
    if seen.crashed:
        problems.append("a traceback")
    if seen.returncode != 2:
        problems.append(f"exit status {seen.returncode}, expected 2")
    if seen.lines and not _names_both("\n".join(seen.lines), case):
        problems.append(f"no line names both {case.key!r} and {case.value!r}")
    assert not problems, (
        f"{seen.command}: "
        + "; ".join(problems)
        + "\n  stderr:\n"
        + _trimmed("\n".join(seen.lines))
    )


@pytest.mark.parametrize("case", FILE_CASES, ids=_ids)
def test_load_scenario_names_key_and_value(case: Bad) -> None:
    path = _corpus_file(case)
    with pytest.raises(sim.ScenarioError) as caught:
        sim.load_scenario(path)
    text = str(caught.value).replace(str(path), "FILE")
    assert _names_both(text, case), (
        f"load_scenario('corpus/{path.name}'): no line names both {case.key!r} and "
        f"{case.value!r}:\n{_trimmed(text)}"
    )


@pytest.mark.parametrize("case", PATH_CASES, ids=_ids)
def test_load_scenario_refuses_bad_path(case: Bad, places: dict[str, str]) -> None:
    path = _fill(case.args[1], places)
    with pytest.raises(sim.ScenarioError) as caught:
        sim.load_scenario(path)
    assert _names_both(str(caught.value), case, places), (
        f"load_scenario({path!r}): no line names both {_fill(str(case.key), places)!r} and "
        f"{case.value!r}:\n{_trimmed(str(caught.value))}"
    )


@pytest.mark.parametrize("case", CLI_CASES, ids=_ids)
def test_cli_refuses(case: Bad, cli: dict[str, Outcome], places: dict[str, str]) -> None:
    """Exit status 2, no traceback, a line naming the key and the value, nothing written."""
    done = cli[case.id]
    stderr = done.stderr
    if not case.args:
        stderr = stderr.replace(str(_corpus_file(case)), "FILE")
    problems = []
    if done.returncode != 2:
        problems.append(f"exit status {done.returncode}, expected 2")
    if "Traceback" in done.stdout + done.stderr:
        problems.append("a traceback")
    if not _names_both(stderr, case, places):
        key = tuple(_fill(k, places) for k in _spellings(case.key))
        problems.append(f"no stderr line names both {key} and {case.value!r}")
    if done.out.exists() and any(done.out.iterdir()):
        written = sorted(p.name for p in done.out.iterdir())
        problems.append(f"wrote {', '.join(written)} to --out")
    assert not problems, (
        f"{done.shown()}: " + "; ".join(problems) + "\n  stderr:\n" + _trimmed(stderr)
    )
