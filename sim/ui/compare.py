"""The Compare page's job: N replications per policy through the experiment runner.

The same machinery as ``sezsim compare`` (an :class:`Experiment`, ``run_experiment``,
a Parquet store, ``policy_bands`` and ``synergy_table``), run from a background thread
so the page stays live; the progress callback reports and, when the user cancels,
stops the sweep (finished runs stay in the store).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    """Bands per indicator, the synergy tables, and where the runs are stored.

    Attributes:
        bands: per indicator, mean and 95% band per policy and year.
        synergy: merge − no_merge per indicator at the table's years (``synergy_table``).
        synergy_over_time: the same for every simulated year.
        synergy_by_region: the same per region (column ``region``) in the last year.
        store: the Parquet store of the runs.
        runs: runs completed.
        seconds: wall time.
        currency: the scenario's currency.
        parameters: the parameter overrides every run used.
        years: the years of the synergy table.
    """

    bands: dict[str, pd.DataFrame]
    synergy: pd.DataFrame
    store: Path
    runs: int
    seconds: float
    currency: str
    synergy_over_time: pd.DataFrame = field(default_factory=pd.DataFrame)
    synergy_by_region: pd.DataFrame = field(default_factory=pd.DataFrame)
    parameters: dict[str, Any] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)


def run_compare(
    scenario: str | Path,
    replications: int,
    policies: list[str],
    *,
    until: int | None = None,
    parameters: dict[str, Any] | None = None,
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
        parameters: parameter overrides for every run (the Explore page's sliders).
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
        fixed=dict(parameters or {}),
        indicators=INDICATORS.names,
        scopes=["national", "region"],
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
    synergy = over_time = by_region = pd.DataFrame()
    if {"merge", "no_merge"} <= set(policies) and not results.empty:
        synergy = synergy_table(results, COMPARED, years)
        over_time = synergy_table(results, COMPARED)
        final = int(results["year"].max())
        by_region = pd.concat(
            [
                synergy_table(results, COMPARED, [final], scope="region", name=r.id).assign(
                    region=r.id
                )
                for r in spec.regions
            ],
            ignore_index=True,
        )
    return CompareResult(
        bands,
        synergy,
        store_dir,
        outcome.completed,
        outcome.seconds,
        spec.currency,
        synergy_over_time=over_time,
        synergy_by_region=by_region,
        parameters=dict(parameters or {}),
        years=years,
    )
