"""Checking the ``[uncertain]`` and ``[[correlations]]`` tables against the scenario they
belong to: each input names a number of the scenario and can only take values its key
accepts (alone, and with all inputs at their low or high ends together), and the
correlations are ones a joint distribution can have."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from iaas_sim.scenario.errors import Problem, ScenarioError
from iaas_sim.scenario.events import compute_timeline
from iaas_sim.scenario.paths import PathError, canonical_path, get_path, parse_path
from iaas_sim.scenario.validation import replace_values, scenario_to_dict

if TYPE_CHECKING:
    from iaas_sim.scenario.model import Scenario
    from iaas_sim.scenario.uncertain import InputDistribution

NOT_UNCERTAIN = {"schema_version", "name", "description", "run", "uncertain", "correlations"}
"""Top-level keys an uncertain input may not be under."""


def check_uncertain(scenario: Scenario) -> list[Problem]:
    """Problems of the ``[uncertain]`` and ``[[correlations]]`` tables: paths that are not
    numbers of the scenario (or name a key twice), distributions that can take values the
    key refuses (alone, or all inputs at their low or high ends together), correlations
    between unknown inputs or that no joint distribution can have."""
    data = scenario_to_dict(scenario)
    problems: list[Problem] = []
    spelled: dict[str, str] = {}
    corners: dict[str, tuple[float, float]] = {}
    for path, dist in scenario.uncertain.items():
        problem, ends = _check_input(scenario, data, path, dist, spelled)
        if problem is not None:
            problems.append(problem)
        elif ends is not None:
            corners[path] = ends
    if not problems and len(corners) > 1:
        problems += _check_corners(scenario, corners)
    return problems + _check_correlations(scenario, bool(problems))


def _check_input(
    scenario: Scenario,
    data: dict[str, object],
    path: str,
    dist: InputDistribution,
    spelled: dict[str, str],
) -> tuple[Problem | None, tuple[float, float] | None]:
    """One input: a problem, or its lowest and highest values."""
    where = f'uncertain."{path}"'
    try:
        head = str(parse_path(path)[0])
        same = canonical_path(data, path)
        current = get_path(data, path)
    except PathError as exc:
        return Problem(where, str(exc)), None
    except (KeyError, ValueError) as exc:
        return Problem(where, f"not a key of the scenario: {exc.args[0]}"), None
    if same in spelled:
        return Problem(where, f"the same key as '{spelled[same]}'"), None
    spelled[same] = path
    if head in NOT_UNCERTAIN:
        return Problem(where, f"'{head}' cannot be uncertain (it sets up the run)"), None
    if isinstance(current, bool) or not isinstance(current, int | float | None):
        return Problem(where, "not a number of the scenario", current, True), None
    whole = isinstance(current, int) and not isinstance(current, bool)
    values = [float(round(e)) if whole else e for e in dist.extremes()]
    for value in values:
        try:
            _with_events_checked(scenario, {path: _typed(value, whole)})
        except ScenarioError as exc:
            why = "; ".join(p.message for p in exc.problems)
            text = f"the {dist.dist} distribution can take {value:g}; the key refuses it: {why}"
            return Problem(where, text), None
    return None, (_typed(min(values), whole), _typed(max(values), whole))


def _typed(value: float, whole: bool) -> float:
    return round(value) if whole else value


def _with_events_checked(scenario: Scenario, changes: dict[str, float]) -> Scenario:
    """``scenario`` with ``changes`` made and checked as an override is, its events applied
    in turn, but without this check of its uncertain inputs (the one being made)."""
    changed = replace_values(scenario, changes)
    if changed.events:
        compute_timeline(changed)
    return changed


def _check_corners(scenario: Scenario, ends: dict[str, tuple[float, float]]) -> list[Problem]:
    """Every input at its low end together, then at its high end (inputs that are each
    fine alone can break a rule between keys, such as thresholds in order)."""
    for side, name in ((0, "low"), (1, "high")):
        corner = {path: pair[side] for path, pair in ends.items()}
        try:
            _with_events_checked(scenario, corner)
        except ScenarioError as exc:
            why = "; ".join(f"{p.path}: {p.message}" for p in exc.problems)
            return [
                Problem(
                    "uncertain",
                    f"with every input at its {name} end together the scenario is refused: {why}",
                )
            ]
    return []


def _check_correlations(scenario: Scenario, skip_matrix: bool) -> list[Problem]:
    problems = []
    names = set(scenario.uncertain)
    pairs: set[frozenset[str]] = set()
    for i, corr in enumerate(scenario.correlations):
        pair = frozenset(corr.between)
        if pair in pairs and len(pair) == 2:
            problems.append(Problem(f"correlations[{i}].between", "this pair is given twice"))
        pairs.add(pair)
        for name in corr.between:
            if name not in names:
                problems.append(
                    Problem(f"correlations[{i}].between", f"'{name}' is not in [uncertain]")
                )
        if corr.between[0] == corr.between[1]:
            problems.append(Problem(f"correlations[{i}].between", "names the same input twice"))
    consistent = skip_matrix or not scenario.correlations
    if not problems and not consistent and not _positive_definite(rank_matrix(scenario)):
        problems.append(
            Problem(
                "correlations",
                "these correlations are inconsistent: no set of inputs can have them all "
                "(the matrix they form is not positive definite): "
                + "; ".join(
                    f"{c.between[0]} ~ {c.between[1]} = {c.rank:g}"
                    for c in scenario.correlations[:6]
                )
                + ("; ..." if len(scenario.correlations) > 6 else ""),
            )
        )
    return problems


def rank_matrix(scenario: Scenario) -> list[list[float]]:
    """Target rank correlations of the uncertain inputs, in the order of ``[uncertain]``
    (1 on the diagonal, 0 where none is given)."""
    names = list(scenario.uncertain)
    matrix = [[1.0 if i == j else 0.0 for j in names] for i in names]
    for corr in scenario.correlations:
        i, j = (names.index(n) for n in corr.between)
        matrix[i][j] = matrix[j][i] = corr.rank
    return matrix


def _positive_definite(matrix: list[list[float]]) -> bool:
    """Whether a Cholesky factorisation exists (plain Python: a few hundred inputs at most)."""
    n = len(matrix)
    low = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = matrix[i][j] - sum(low[i][k] * low[j][k] for k in range(j))
            if i == j:
                if s <= 1e-12:
                    return False
                low[i][i] = math.sqrt(s)
            else:
                low[i][j] = s / low[j][j]
    return True


def integer_paths(scenario: Scenario) -> set[str]:
    """Uncertain inputs whose key holds a whole number (their draws are rounded)."""
    data = scenario_to_dict(scenario)
    out = set()
    for path in scenario.uncertain:
        value = get_path(data, path)
        if isinstance(value, int) and not isinstance(value, bool):
            out.add(path)
    return out
