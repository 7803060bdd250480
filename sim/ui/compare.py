"""The Compare page's job: N replications per policy through the experiment runner.

The same machinery as ``sezsim compare`` (an :class:`Experiment`, ``run_experiment``,
a Parquet store, ``policy_bands`` and ``synergy_table``), run from a background thread
so the page stays live; the progress callback reports and, when the user cancels,
stops the sweep (finished runs stay in the store).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.experiments.analysis import policy_bands, synergy_table
from sim.experiments.backends import LocalBackend
from sim.experiments.report import REPORT_INDICATORS
from sim.experiments.runner import run_experiment
from sim.experiments.spec import Experiment
from sim.experiments.store import ResultStore
from sim.indicators import INDICATORS
from sim.scenario import load_scenario

__all__ = ["COMPARED", "CompareCancelled", "CompareResult", "run_compare"]

#: Indicators whose trajectories and synergy effects the page shows (as ``sezsim compare``).
COMPARED = list(REPORT_INDICATORS)


class CompareCancelled(Exception):
    """The user cancelled the comparison."""


@dataclass
class CompareResult:
    """Bands per indicator, the synergy table, and where the runs are stored."""

    bands: dict[str, pd.DataFrame]
    synergy: pd.DataFrame
    store: Path
    runs: int
    seconds: float
    currency: str


def run_compare(
    scenario: str | Path,
    replications: int,
    policies: list[str],
    *,
    until: int | None = None,
    seed: int = 1,
    workers: int | None = None,
    out: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> CompareResult:
    """Run ``replications`` runs of each policy (common random numbers) and analyse them.

    Args:
        scenario: scenario file.
        replications: runs per policy (replication k uses seed ``seed + k``).
        policies: policies to compare; the synergy table needs merge and no_merge.
        until: last simulated year (default: the scenario's end).
        seed: base seed.
        workers: worker processes (default: all cores).
        out: store folder (default: a new temporary folder).
        progress: called as ``progress(done, total)``.
        cancelled: polled after each run; when it returns True the sweep stops.

    Raises:
        CompareCancelled: ``cancelled()`` became true.
        sim.scenario.ScenarioError: the scenario is invalid.
    """
    path = Path(scenario).resolve()
    spec = load_scenario(path)
    last = until or spec.end_year
    years = sorted({y for y in (spec.start_year + 5, 2021, 2030, 2040, last) if y <= last})
    exp = Experiment(
        name=f"ui-compare-{path.stem}",
        scenario=str(path),
        policies=policies,
        replications=replications,
        seed=seed,
        until=until,
        indicators=INDICATORS.names,
        scopes=["national"],
        years=years,
    )
    store_dir = Path(out) if out else Path(tempfile.mkdtemp(prefix="sezsim-ui-compare-"))

    def report(done: int, total: int) -> None:
        if cancelled():
            raise CompareCancelled(f"cancelled after {done} of {total} runs")
        if progress:
            progress(done, total)

    outcome = run_experiment(
        exp, path, store_dir, backend=LocalBackend(workers), resume=True, progress=report
    )
    results = ResultStore(store_dir).results()
    bands = {name: policy_bands(results, name) for name in COMPARED}
    if {"merge", "no_merge"} <= set(policies) and not results.empty:
        synergy = synergy_table(results, COMPARED, years)
    else:
        synergy = pd.DataFrame()
    return CompareResult(
        bands, synergy, store_dir, outcome.completed, outcome.seconds, spec.currency
    )
