"""Experiment files: one YAML file describes a whole experiment.

Fields: the scenario, the policies, replications and base seed (common random numbers:
replication k of every policy and design point uses seed ``seed + k``), the design over
named parameters, the horizon, and which indicators and scopes to keep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.indicators import INDICATORS
from sim.parameters import ModelParameters, parameter_table
from sim.policy import POLICIES
from sim.scenario import (
    Scenario,
    ScenarioError,
    apply_overrides,
    format_validation_error,
    read_yaml,
    validate_scenario,
)

__all__ = [
    "Design",
    "Discovery",
    "Experiment",
    "ParameterRange",
    "check_against_scenario",
    "load_experiment",
]

Scope = Literal["national", "region", "sez", "cluster"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParameterRange(_Strict):
    """A swept parameter: a range (low, high) for sampled designs, or values for grids."""

    low: float | None = None
    high: float | None = None
    values: list[Any] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> ParameterRange:
        if self.values is not None:
            if self.low is not None or self.high is not None:
                raise ValueError("give either values or low/high, not both")
            if not self.values:
                raise ValueError("values must not be empty")
        elif self.low is None or self.high is None:
            raise ValueError("give values, or both low and high")
        elif not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class Design(_Strict):
    """How design points are chosen over the swept parameters."""

    type: Literal["none", "grid", "latin_hypercube", "sobol", "morris"] = "none"
    parameters: dict[str, ParameterRange] = Field(default_factory=dict)
    samples: int = Field(8, ge=1, le=100_000, description="N of LHS / Sobol / Morris")
    levels: int = Field(4, ge=2, le=20, description="Morris grid levels")
    seed: int = Field(0, ge=0, description="seed of the sampler (not of the model)")

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        for name, rng in self.parameters.items():
            if self.type == "grid" and rng.values is None:
                raise ValueError(f"grid needs `values` for {name!r}")
            if self.type in ("latin_hypercube", "sobol", "morris") and rng.values is not None:
                raise ValueError(f"{self.type} needs `low`/`high` for {name!r}")
        if self.type != "none" and not self.parameters:
            raise ValueError(f"design type {self.type!r} needs at least one parameter")
        if self.type in ("sobol", "morris") and len(self.parameters) < 2:
            raise ValueError(f"{self.type} needs at least two parameters")
        return self


class Analysis(_Strict):
    """The output whose sensitivity is analysed (Sobol / Morris) and compared."""

    indicator: str = "taxes"
    year: int | None = None
    scope: Scope = "national"
    name: str = "national"
    treatment: str = "merge"
    control: str = "no_merge"


class Discovery(_Strict):
    """Scenario discovery settings (``sezsim discover``, ``sim/experiments/discover.py``)."""

    threshold: float = Field(
        0.0, description="synergy above it: merging wins; below: it loses (outcome's unit)"
    )
    min_density: float = Field(0.8, gt=0.0, le=1.0, description="density of the chosen box")
    peel_alpha: float = Field(0.05, gt=0.0, lt=0.5, description="PRIM's peeling share")
    mass_min: float = Field(0.05, gt=0.0, lt=0.5, description="smallest box / leaf (share)")
    seed: int = Field(0, ge=0, description="seed of CART tie-breaking and the extra trees")


class Experiment(_Strict):
    """A whole experiment file."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    scenario: str
    policies: list[str] = Field(default_factory=lambda: ["merge", "no_merge"], min_length=1)
    replications: int = Field(1, ge=1, le=10_000)
    seed: int = Field(1, ge=0)
    until: int | None = None
    fixed: dict[str, Any] = Field(default_factory=dict, description="overrides for every run")
    design: Design = Field(default_factory=Design)
    indicators: list[str] = Field(default_factory=lambda: list(INDICATORS.main))
    scopes: list[Scope] = Field(default_factory=lambda: ["national"], min_length=1)
    analysis: Analysis = Field(default_factory=Analysis)
    years: list[int] = Field(default_factory=list, description="years of the synergy table")
    discovery: Discovery = Field(default_factory=Discovery)
    seeds: Literal["common", "per_point"] = Field(
        "common",
        description="common: replication k uses seed + k at every design point (paired "
        "comparisons); per_point: every run its own seed (an ABC reference table)",
    )
    posterior: str | None = Field(
        None,
        description="posterior file (sezsim posterior): point 0 runs at its estimate (seed "
        "noise only), point 1 gives each replication its own draw (seed + parameters)",
    )
    posterior_seed: int = Field(0, ge=0, description="seed of the draws from the posterior")
    posterior_version: str | None = Field(
        None,
        description="hash of the posterior's draws: a rewritten posterior file makes a "
        "different experiment, so --resume refuses to mix its runs with the old ones",
    )

    @model_validator(mode="after")
    def _known_names(self) -> Experiment:
        problems = []
        for p in self.policies:
            if p not in POLICIES:
                problems.append(f"policies: unknown policy {p!r}; allowed: {', '.join(POLICIES)}")
        for i in self.indicators:
            if i not in INDICATORS.names:
                problems.append(
                    f"indicators: unknown indicator {i!r}; allowed: {', '.join(INDICATORS.names)}"
                )
        if self.analysis.indicator not in INDICATORS.names:
            problems.append(
                f"analysis.indicator: unknown indicator {self.analysis.indicator!r}; "
                f"allowed: {', '.join(INDICATORS.names)}"
            )
        for field in ("treatment", "control"):
            policy = getattr(self.analysis, field)
            if policy not in POLICIES:
                problems.append(
                    f"analysis.{field}: unknown policy {policy!r}; allowed: {', '.join(POLICIES)}"
                )
        for name in self.design.parameters:
            if name not in ModelParameters.model_fields and "." not in name:
                problems.append(
                    f"design.parameters.{name}: unknown parameter; allowed: "
                    f"{', '.join(ModelParameters.model_fields)}, or a dotted scenario path "
                    "(sectors.<id>.world_demand)"
                )
        if self.posterior is not None and self.design.type != "none":
            problems.append("posterior: needs design type none (the draws are the design)")
        if problems:
            # One line per problem: load_experiment reports each on its own.
            raise ValueError(_SEPARATOR.join(problems))
        return self

    def scenario_path(self, base: Path) -> Path:
        """The scenario file, resolved relative to the experiment file's folder."""
        p = Path(self.scenario)
        if p.is_absolute() or p.exists():
            return p
        return (base / p).resolve()


#: Joins the problems of :meth:`Experiment._known_names` (split again on loading).
_SEPARATOR = "\n"


def load_experiment(path: str | Path) -> tuple[Experiment, Path]:
    """Read and validate an experiment file, against its own schema and its scenario's.

    Every problem is collected before anything runs: the file's own fields, then every
    parameter name, dotted path, value type and range in ``fixed`` and the design
    (checked by applying it to the scenario), and the years against the scenario's span.

    Args:
        path: the experiment YAML file.

    Returns:
        The experiment and the path of its scenario file.

    Raises:
        ScenarioError: one entry per problem, naming the field and what is allowed.
    """
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(
            str(path),
            [
                (
                    "(top level)",
                    f"expected a mapping of experiment fields, got {type(data).__name__}; "
                    f"allowed fields: {', '.join(Experiment.model_fields)}",
                )
            ],
        )
    if "targets" in data and "free" in data:
        raise ScenarioError(
            str(path), [("(top level)", "this is a calibration file: run it with sezsim calibrate")]
        )
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as err:
        problems = []
        for loc, msg in format_validation_error(err, data, root=Experiment):
            for part in msg.split(_SEPARATOR):
                if loc == "(top level)" and ": " in part:
                    field, text = part.split(": ", 1)
                    problems.append((field, text))
                else:
                    problems.append((loc, part))
        raise ScenarioError(str(path), problems) from None
    try:
        scenario = exp.scenario_path(Path(path).resolve().parent)
        found = scenario.is_file()
    except (OSError, ValueError):  # a name no file system accepts (a NUL byte)
        raise ScenarioError(
            str(path), [("scenario", f"not a usable file name: {exp.scenario!r}")]
        ) from None
    if not found:
        raise ScenarioError(str(path), [("scenario", f"no such scenario file: {scenario}")])
    problems = check_against_scenario(exp, scenario)
    if problems:
        raise ScenarioError(str(path), problems)
    return exp, scenario


def check_against_scenario(exp: Experiment, scenario: str | Path) -> list[tuple[str, str]]:
    """Problems of an experiment that only its scenario can tell.

    Each override in ``fixed`` and each design parameter at its bounds (``low``, ``high``
    and the midpoint, so an integer field swept by a sampled design is caught) or at each
    of its ``values`` is applied to the scenario, which is then validated as a run would
    validate it. ``until``, ``years`` and ``analysis.year`` must lie within the
    scenario's years, and ``analysis.name`` must name something of ``analysis.scope``.

    Args:
        exp: an experiment valid against its own schema.
        scenario: its scenario file.

    Returns:
        (field path, message) pairs; empty when the experiment can run.

    Raises:
        ScenarioError: the scenario file itself is unreadable or invalid.
    """
    spec = validate_scenario(read_yaml(scenario), file=str(scenario))
    base = spec.model_dump()
    problems: list[tuple[str, str]] = []

    def trial(label: str, overrides: dict[str, Any], key: str) -> list[tuple[str, str]]:
        try:
            validate_scenario(
                apply_overrides(base, overrides, str(scenario), label=label), str(scenario)
            )
        except ScenarioError as err:
            found = []
            for loc, msg in err.problems:
                if loc != label and not loc.endswith(key.split(".")[-1]):
                    msg = f"makes the scenario invalid at {loc}: {msg}"
                found.append((label, msg if "allowed" in msg else msg + _allowed(key)))
            return found
        return []

    for key, value in exp.fixed.items():
        problems += trial(f"fixed.{key}", {key: value}, key)
    fixed = exp.fixed if not problems else {}
    for name, rng in exp.design.parameters.items():
        where = f"design.parameters.{name}"
        if rng.values is not None:
            for i, value in enumerate(rng.values):
                problems += trial(f"{where}.values[{i}]", {**fixed, name: value}, name)
            continue
        bounds = trial(f"{where}.low", {**fixed, name: rng.low}, name)
        bounds += trial(f"{where}.high", {**fixed, name: rng.high}, name)
        if not bounds:
            mid = (rng.low + rng.high) / 2
            bounds = [
                (loc, f"values sampled between low and high are refused ({mid:g}): {msg}")
                for loc, msg in trial(where, {**fixed, name: mid}, name)
            ]
        problems += bounds

    start, end = spec.start_year, spec.end_year
    span = f"{start}-{end} (the years of {Path(scenario).name})"
    if exp.until is not None and not start <= exp.until <= end:
        problems.append(("until", f"{exp.until} is outside the scenario; allowed: {span}"))
    last = exp.until if exp.until is not None and start <= exp.until <= end else end
    simulated = f"{start}-{last} (the simulated years)"
    for i, year in enumerate(exp.years):
        if not start <= year <= last:
            problems.append((f"years[{i}]", f"{year} is not simulated; allowed: {simulated}"))
    year = exp.analysis.year
    if year is not None and not start <= year <= last:
        problems.append(("analysis.year", f"{year} is not simulated; allowed: {simulated}"))
    names = _scope_names(spec)[exp.analysis.scope]
    if exp.analysis.name not in names:
        problems.append(
            (
                "analysis.name",
                f"{exp.analysis.name!r} is not a {exp.analysis.scope} of the scenario; "
                f"allowed: {', '.join(names)}",
            )
        )
    if exp.design.type in ("sobol", "morris"):
        for field in ("treatment", "control"):
            policy = getattr(exp.analysis, field)
            if policy not in exp.policies:
                problems.append(
                    (
                        f"analysis.{field}",
                        f"{policy!r} is not among the experiment's policies; "
                        f"allowed: {', '.join(exp.policies)}",
                    )
                )
    return problems


def _scope_names(spec: Scenario) -> dict[str, list[str]]:
    """The names each scope of the indicator tables can take in a scenario."""
    return {
        "national": ["national"],
        "region": [r.id for r in spec.regions],
        "sez": [z.id for z in spec.sezs],
        "cluster": [c.id for c in spec.clusters],
    }


def _allowed(key: str) -> str:
    """``; allowed: <range> (<unit>)`` for a model parameter's name, else nothing."""
    name = key.removeprefix("parameters.")
    for row in parameter_table():
        if row["name"] == name:
            unit = f" ({row['unit']})" if row["unit"] and row["unit"] != "1" else ""
            return f"; allowed: {row['range']}{unit}"
    return ""
