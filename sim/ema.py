"""EMA Workbench interop: a scenario as an EMA Workbench ``Model``, with no other glue.

>>> from ema_workbench import SequentialEvaluator
>>> from sim.ema import workbench_model
>>> model = workbench_model("scenarios/kazakhstan.yaml", until=2030)
>>> experiments, outcomes = SequentialEvaluator(model).perform_experiments(
...     scenarios=6, policies=2
... )

* **Uncertainties** are model parameters (``sezsim parameters``) sampled over the range
  their schema field allows (``sim/parameters.py``), or over a range you give.
* **The policy is a lever**, ``sez_policy`` (merge, no_merge; heterodox if asked for), not
  ``policy``: EMA Workbench keeps a ``policy`` column of its own in the experiments table
  and sets any lever whose name is an attribute of its ``Model`` (it has ``policy``) on
  the model object instead of passing it to the function.
* **Outcomes** are scalar outcomes named ``<indicator>_<year>_<scope>[_<id>]``
  (:class:`sim.experiments.outcome.Outcome`): by default the headline indicators at the
  national scope in 2021, 2030 and 2040 (those inside the horizon), e.g.
  ``taxes_2030_national``.
* **Seeds**: every experiment runs with the same ``seed`` (a ``Constant``), so a fixed seed
  gives the same outcomes on every call and on any evaluator, and the two policies of an
  EMA scenario are paired by common random numbers. With ``replications=n`` the model is a
  ``ReplicatorModel`` whose replication k uses seed ``seed + k`` (outcomes then have one
  column per replication).

EMA Workbench is the optional extra ``pip install .[ema]``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.outcome import Outcome
from sim.parameters import ModelParameters
from sim.policy import POLICIES
from sim.scenario import load_scenario

__all__ = [
    "DEFAULT_UNCERTAINTIES",
    "HEADLINE_INDICATORS",
    "POLICY_LEVER",
    "ScenarioFunction",
    "indicator_at",
    "parameter_range",
    "workbench_model",
]

#: The lever holding the policy (``policy`` is EMA Workbench's own column).
POLICY_LEVER = "sez_policy"

#: Headline indicators: the outcomes of the default model (the papers' four areas).
HEADLINE_INDICATORS = (
    "taxes",
    "privilege_cost",
    "turnover",
    "investment",
    "fdi_inflow",
    "exports",
    "employment",
    "innovations",
)

#: Default uncertainties: the behavioural parameters of clustering, spillovers,
#: integrators and trade whose values are assumptions (docs/assumptions.md), sampled over
#: their schema ranges.
DEFAULT_UNCERTAINTIES = (
    "agglomeration_elasticity",
    "related_elasticity",
    "spillover_strength",
    "partner_absorption",
    "integrator_coordination",
    "colocation_bonus",
    "trade_cost_per_1000km",
)


def _import_ema() -> Any:
    """Import EMA Workbench without its notice about the optional ipyparallel."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        import ema_workbench
    return ema_workbench


def parameter_range(name: str) -> tuple[float, float]:
    """The range a model parameter's schema field allows (``sezsim parameters``).

    Raises:
        ValueError: not a model parameter, or one without both bounds.
    """
    field = ModelParameters.model_fields.get(name)
    if field is None:
        raise ValueError(
            f"unknown model parameter {name!r}; allowed: {', '.join(ModelParameters.model_fields)}"
        )
    low = high = None
    for meta in field.metadata:
        low = getattr(meta, "ge", getattr(meta, "gt", low))
        high = getattr(meta, "le", getattr(meta, "lt", high))
    if low is None or high is None:
        raise ValueError(f"parameter {name!r} has no bounded range; give (low, high)")
    return float(low), float(high)


def indicator_at(
    table: pd.DataFrame,
    indicator: str,
    year: int,
    scope: str = "national",
    name: str = "national",
) -> float:
    """An indicator in one year at one scope, from ``SEZClusterModel.indicators()``.

    Args:
        table: the tidy indicator table (year, scope, name, one column per indicator).
        indicator: indicator column, e.g. ``"taxes"``.
        year: calendar year.
        scope: ``national``, ``region``, ``sez`` or ``cluster``.
        name: id of the region, SEZ or cluster (``national`` for the national scope).

    Returns:
        The value, in the indicator's unit (``sim/indicators.py``).
    """
    return Outcome(indicator, year, scope, name).value(table)


class ScenarioFunction:
    """The function EMA Workbench calls: one run of a scenario, returning its outcomes.

    Picklable (it holds the scenario's path, not the parsed scenario), so it also works
    with EMA's ``MultiprocessingEvaluator``.
    """

    def __init__(self, scenario: str | Path, outcomes: Sequence[Outcome], until: int) -> None:
        self.scenario = str(scenario)
        self.outcomes = tuple(outcomes)
        self.until = until
        self._spec = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_spec": None}

    def __call__(self, **kwargs: Any) -> dict[str, float]:
        """Run the scenario with ``sez_policy``, ``seed`` and parameter overrides."""
        from sim.model import SEZClusterModel, scenario_from_file

        if self._spec is None:
            self._spec = scenario_from_file(self.scenario)
        policy = kwargs.pop(POLICY_LEVER, "merge")
        seed = int(kwargs.pop("seed"))
        model = SEZClusterModel(self._spec, policy=policy, rng=seed, **kwargs)
        table = model.run(until=self.until).indicators()
        return {o.label: o.value(table) for o in self.outcomes}


def _identifier(text: str) -> str:
    name = re.sub(r"\W", "_", text)
    return name if name[:1].isalpha() else f"m_{name}"


def workbench_model(
    scenario: str | Path,
    *,
    uncertainties: Sequence[str] | Mapping[str, tuple[float, float]] | None = None,
    policies: Sequence[str] = ("merge", "no_merge"),
    indicators: Sequence[str] = HEADLINE_INDICATORS,
    years: Sequence[int] | None = None,
    outcomes: Sequence[str] = (),
    until: int | None = None,
    seed: int = 42,
    replications: int = 1,
    name: str | None = None,
) -> Any:
    """An EMA Workbench ``Model`` of a scenario.

    Args:
        scenario: scenario YAML file.
        uncertainties: model parameter names (sampled over their schema ranges) or
            ``{name: (low, high)}``; default :data:`DEFAULT_UNCERTAINTIES`.
        policies: the categories of the ``sez_policy`` lever.
        indicators: indicators of the national outcomes.
        years: years of the national outcomes (default: 2021, 2030 and 2040 inside the
            horizon, else the last simulated year).
        outcomes: further outcomes by label, e.g. ``"employment_2030_region_karaganda"``.
        until: last simulated year (default: the scenario's ``end_year``); a short horizon
            makes a quick model.
        seed: the model's seed for every experiment (common random numbers).
        replications: runs per experiment, with seeds ``seed``, ``seed + 1``, ...
        name: the model's name (a Python identifier; default from the scenario file).

    Returns:
        An ``ema_workbench.Model`` (a ``ReplicatorModel`` when ``replications > 1``).

    Raises:
        ValueError: an unknown parameter, policy, indicator or outcome, or a year outside
            the simulated horizon, naming what is allowed.
    """
    ema = _import_ema()
    spec = load_scenario(scenario)
    last = until or spec.end_year
    if not spec.start_year <= last <= spec.end_year:
        raise ValueError(
            f"until: {last} is outside the scenario's years {spec.start_year}-{spec.end_year}"
        )
    for policy in policies:
        if policy not in POLICIES:
            raise ValueError(f"unknown policy {policy!r}; allowed: {', '.join(POLICIES)}")
    if years is None:
        years = [y for y in (2021, 2030, 2040) if spec.start_year <= y <= last] or [last]
    goals = [Outcome(ind, int(y)) for ind in indicators for y in years]
    goals += [Outcome.parse(label) for label in outcomes]
    for goal in goals:
        goal.check(spec, last)
    ranges = (
        dict(uncertainties)
        if isinstance(uncertainties, Mapping)
        else {p: parameter_range(p) for p in (uncertainties or DEFAULT_UNCERTAINTIES)}
    )
    params = []
    for pname, (low, high) in ranges.items():
        schema = parameter_range(pname)  # also rejects unknown names
        if not schema[0] <= low < high <= schema[1]:
            raise ValueError(f"{pname}: range ({low}, {high}) is not inside its schema {schema}")
        if ModelParameters.model_fields[pname].annotation is int:
            params.append(ema.IntegerParameter(pname, int(low), int(high)))
        else:
            params.append(ema.RealParameter(pname, float(low), float(high)))
    function = ScenarioFunction(Path(scenario).resolve(), goals, last)
    model_name = _identifier(name or Path(scenario).stem)
    if replications > 1:
        model = ema.ReplicatorModel(model_name, function=function)
        model.replications = [{"seed": seed + k} for k in range(replications)]
    else:
        model = ema.Model(model_name, function=function)
        model.constants = [ema.Constant("seed", seed)]
    model.uncertainties = params
    model.levers = [ema.CategoricalParameter(POLICY_LEVER, list(policies))]
    model.outcomes = [ema.ScalarOutcome(goal.label) for goal in goals]
    return model
