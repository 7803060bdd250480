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
from sim.parameters import ModelParameters
from sim.policy import POLICIES
from sim.scenario import ScenarioError, format_validation_error, read_yaml

__all__ = ["Design", "Discovery", "Experiment", "ParameterRange", "load_experiment"]

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
            problems.append(f"analysis.indicator: unknown indicator {self.analysis.indicator!r}")
        for name in self.design.parameters:
            if name not in ModelParameters.model_fields and "." not in name:
                problems.append(
                    f"design.parameters.{name}: unknown parameter; allowed: model parameter "
                    "names or dotted scenario paths"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def scenario_path(self, base: Path) -> Path:
        """The scenario file, resolved relative to the experiment file's folder."""
        p = Path(self.scenario)
        if p.is_absolute() or p.exists():
            return p
        return (base / p).resolve()


def load_experiment(path: str | Path) -> tuple[Experiment, Path]:
    """Read and validate an experiment file; return it with its scenario's path."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(str(path), [("(top level)", "expected a mapping of fields")])
    if "targets" in data and "free" in data:
        raise ScenarioError(
            str(path), [("(top level)", "this is a calibration file: run it with sezsim calibrate")]
        )
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as err:
        problems = []
        for loc, msg in format_validation_error(err, data):
            # Model-level checks join several messages; split them back into lines.
            for part in msg.split("; "):
                if ": " in part and loc == "(top level)":
                    field, text = part.split(": ", 1)
                    problems.append((field, text))
                else:
                    problems.append((loc, part))
        raise ScenarioError(str(path), problems) from None
    scenario = exp.scenario_path(Path(path).resolve().parent)
    if not scenario.is_file():
        raise ScenarioError(str(path), [("scenario", f"no such scenario file: {scenario}")])
    return exp, scenario
