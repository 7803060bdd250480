"""One scalar outcome of a run: an indicator in one year at one scope.

Scenario discovery (:mod:`sim.experiments.discover`) and the EMA Workbench interop
(:mod:`sim.ema`) name outcomes the same way, ``<indicator>_<year>_<scope>[_<name>]``:
``taxes_2030_national``, ``employment_2040_region_karaganda``. The national scope has
one name (``national``), so it is left out of the label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.indicators import INDICATORS

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario import Scenario

__all__ = ["SCOPES", "Outcome", "OutcomeError"]

#: The scopes of the indicator table (``SEZClusterModel.indicators()``).
SCOPES = ("national", "region", "sez", "cluster")

_LABEL = re.compile(
    r"^(?P<indicator>.+?)_(?P<year>\d{4})_(?P<scope>national|region|sez|cluster)(?:_(?P<name>.+))?$"
)


class OutcomeError(ValueError):
    """An outcome that names an unknown indicator, scope, unit or a year out of range."""


@dataclass(frozen=True)
class Outcome:
    """An indicator in one year at one scope (``national``, or one region, SEZ or cluster).

    Attributes:
        indicator: indicator column (``sim/indicators.py``), e.g. ``"taxes"``.
        year: calendar year.
        scope: ``national``, ``region``, ``sez`` or ``cluster``.
        name: id of the region, SEZ or cluster (``national`` for the national scope).
    """

    indicator: str
    year: int
    scope: str = "national"
    name: str = "national"

    def __post_init__(self) -> None:
        if self.indicator not in INDICATORS.names:
            raise OutcomeError(
                f"unknown indicator {self.indicator!r}; allowed: {', '.join(INDICATORS.names)}"
            )
        if self.scope not in SCOPES:
            raise OutcomeError(f"unknown scope {self.scope!r}; allowed: {', '.join(SCOPES)}")
        if self.scope == "national" and self.name != "national":
            raise OutcomeError(f"the national scope has no unit {self.name!r}")
        if self.scope != "national" and self.name == "national":
            raise OutcomeError(f"scope {self.scope!r} needs the id of a {self.scope}")

    @property
    def label(self) -> str:
        """``taxes_2030_national`` or ``taxes_2030_region_karaganda``."""
        base = f"{self.indicator}_{self.year}_{self.scope}"
        return base if self.scope == "national" else f"{base}_{self.name}"

    @property
    def unit(self) -> str:
        """The indicator's unit (``sim/indicators.py``)."""
        return INDICATORS[self.indicator].unit

    def __str__(self) -> str:
        where = "national" if self.scope == "national" else f"{self.scope} {self.name}"
        return f"{self.indicator} in {self.year} ({where})"

    @classmethod
    def parse(cls, label: str) -> Outcome:
        """Read a label such as ``taxes_2030_national`` or ``firms_2040_region_almaty``.

        Raises:
            OutcomeError: the label does not have that form or names an unknown indicator.
        """
        match = _LABEL.match(label.strip())
        if not match:
            raise OutcomeError(
                f"cannot read outcome {label!r}; expected INDICATOR_YEAR_SCOPE[_ID], e.g. "
                "taxes_2030_national or employment_2040_region_karaganda"
            )
        return cls(
            match["indicator"],
            int(match["year"]),
            match["scope"],
            match["name"] or "national",
        )

    def check(self, scenario: Scenario, until: int | None = None) -> None:
        """Check that the scenario has this unit and simulates this year.

        Raises:
            OutcomeError: naming what is wrong and what is allowed.
        """
        last = until or scenario.end_year
        if not scenario.start_year <= self.year <= last:
            raise OutcomeError(
                f"year {self.year} is outside the simulated years {scenario.start_year}-{last}"
            )
        units = {
            "national": ["national"],
            "region": [r.id for r in scenario.regions],
            "sez": [z.id for z in scenario.sezs],
            "cluster": [c.id for c in scenario.clusters],
        }[self.scope]
        if self.name not in units:
            raise OutcomeError(
                f"unknown {self.scope} {self.name!r} in scenario {scenario.name!r}; "
                f"allowed: {', '.join(units)}"
            )

    def value(self, table: pd.DataFrame) -> float:
        """The outcome's value in a tidy indicator table (year, scope, name, indicators).

        Raises:
            OutcomeError: the table has no row for this year, scope and unit.
        """
        rows = table[
            (table["year"] == self.year)
            & (table["scope"] == self.scope)
            & (table["name"] == self.name)
        ]
        if rows.empty:
            raise OutcomeError(f"no row for {self} in the indicator table")
        return float(rows[self.indicator].iloc[0])
