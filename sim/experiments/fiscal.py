"""The figures a finance ministry asks for: the fiscal balance of a policy and its jobs.

From a compare experiment's results (national and SEZ scopes, paired replications):

- **fiscal balance**: the present value at the policy year of taxes minus the budget cost
  of privileges (taxes and import duty forgone, F2) minus zone infrastructure spending
  minus research grants and integrator funding (the government's budget lines, G1-G2),
  over the years from the policy year to the last simulated year, discounted at
  ``discount_rate``; per policy and as the synergy (treatment minus control, paired).
  Undiscounted, it is the sum of the government's yearly balance (G4, indicator
  ``budget_balance``);
- **taxes per tenge of privileges**: the zones' participants' taxes over the privilege
  cost, per policy (present values), and the synergy in taxes per tenge of extra
  privilege cost;
- **jobs**: gross jobs in zones per policy, the synergy in zone jobs, the synergy in
  national jobs (net), and the displacement share 1 - net / gross (how much of the
  zones' gain is jobs moved from elsewhere in the country).

Intervals are 95% percentile bootstraps over replications (paired differences of a
simulation are often heavy-tailed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["BUDGET_LINES", "fiscal_table", "jobs_table"]

#: The budget lines of the fiscal balance (measure, indicator), revenue first; every
#: other line is spending (G4). Results stored before grants and integrator funding were
#: indicators lack their columns: those lines count as 0.
BUDGET_LINES = (
    ("taxes", "taxes"),
    ("privilege cost", "privilege_cost"),
    ("infrastructure spending", "infrastructure_spending"),
    ("research grants", "research_grants"),
    ("integrator funding", "integrator_funding"),
)

_BOOTSTRAP, _SEED = 2000, 2024


def _interval(samples: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    samples = samples[np.isfinite(samples)]
    if samples.size < 2:
        return float("nan"), float("nan")
    means = samples[rng.integers(0, samples.size, (_BOOTSTRAP, samples.size))].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return float(low), float(high)


def _row(measure: str, policy: str, samples: np.ndarray, unit: str, rng) -> dict:
    low, high = _interval(samples, rng)
    finite = samples[np.isfinite(samples)]
    return {
        "measure": measure,
        "policy": policy,
        "mean": float(finite.mean()) if finite.size else float("nan"),
        "ci_low": low,
        "ci_high": high,
        "n": int(finite.size),
        "unit": unit,
    }


def _by_replication(results: pd.DataFrame, scope: str, column: str) -> pd.DataFrame:
    """(replication x year) table of a column summed over a scope, per policy."""
    sel = results[results["scope"] == scope]
    return sel.pivot_table(
        index=["policy", "replication"], columns="year", values=column, aggfunc="sum"
    )


def fiscal_table(
    results: pd.DataFrame,
    policy_year: int,
    discount_rate: float,
    currency: str,
    treatment: str = "merge",
    control: str = "no_merge",
) -> pd.DataFrame:
    """Present values of the fiscal balance per policy and as the synergy.

    Returns:
        Columns measure, policy, mean, ci_low, ci_high, n, unit.
    """
    national = results[results["scope"] == "national"]
    years = sorted(y for y in national["year"].unique() if y >= policy_year)
    weight = pd.Series([(1.0 + discount_rate) ** -(y - policy_year) for y in years], index=years)

    def present_value(scope: str, column: str) -> pd.Series:
        table = _by_replication(results, scope, column)[years]
        return (table * weight).sum(axis=1)

    taxes = present_value("national", "taxes")
    lines = {
        # An older store lacks a line's column: it was not recorded, count it as 0.
        measure: present_value("national", column) if column in results else 0.0 * taxes
        for measure, column in BUDGET_LINES
    }
    privileges = lines["privilege cost"]
    zone_taxes = present_value("sez", "taxes")
    # G4: revenue (taxes) less every spending line, in the order of BUDGET_LINES.
    balance = taxes.copy()
    for measure, _ in BUDGET_LINES[1:]:
        balance = balance - lines[measure]
    rng = np.random.default_rng(_SEED)
    rows = []
    pv = f"{currency}, present value at {policy_year}"
    for policy in balance.index.get_level_values("policy").unique():
        rows += [_row(measure, policy, lines[measure][policy].to_numpy(), pv, rng)
                 for measure, _ in BUDGET_LINES]  # fmt: skip
        rows += [
            _row("fiscal balance", policy, balance[policy].to_numpy(), pv, rng),
            _row(
                "zone taxes per tenge of privileges",
                policy,
                (zone_taxes[policy] / privileges[policy]).to_numpy(),
                "1",
                rng,
            ),
        ]
    policies = set(balance.index.get_level_values("policy"))
    if {treatment, control} <= policies:
        synergy = f"{treatment} - {control}"
        for measure, series in (
            ("taxes", taxes),
            ("privilege cost", privileges),
            ("research grants", lines["research grants"]),
            ("integrator funding", lines["integrator funding"]),
            ("fiscal balance", balance),
        ):
            diff = (series[treatment] - series[control]).dropna().to_numpy()
            rows.append(_row(measure, synergy, diff, pv, rng))
        extra_taxes = (taxes[treatment] - taxes[control]).to_numpy()
        extra_cost = (privileges[treatment] - privileges[control]).to_numpy()
        ratio = extra_taxes.mean() / extra_cost.mean() if extra_cost.mean() else float("nan")
        rows.append(
            {
                "measure": "extra taxes per tenge of extra privileges",
                "policy": synergy,
                "mean": float(ratio),
                "ci_low": float("nan"),
                "ci_high": float("nan"),
                "n": int(extra_taxes.size),
                "unit": "1 (ratio of mean present values)",
            }
        )
    return pd.DataFrame(rows)


def jobs_table(
    results: pd.DataFrame,
    years: list[int],
    treatment: str = "merge",
    control: str = "no_merge",
) -> pd.DataFrame:
    """Gross jobs in zones, the synergy in zone and national jobs, and displacement.

    Returns:
        Columns year, measure, policy, mean, ci_low, ci_high, n, unit.
    """
    zones = _by_replication(results, "sez", "employment")
    national = _by_replication(results, "national", "employment")
    rng = np.random.default_rng(_SEED)
    rows = []
    for year in years:
        if year not in zones.columns:
            continue
        for policy in zones.index.get_level_values("policy").unique():
            rows.append(
                {"year": year}
                | _row("jobs in zones", policy, zones.loc[policy, year].to_numpy(), "persons", rng)
            )
        policies = set(zones.index.get_level_values("policy"))
        if not {treatment, control} <= policies:
            continue
        synergy = f"{treatment} - {control}"
        gross = (zones.loc[treatment, year] - zones.loc[control, year]).to_numpy()
        net = (national.loc[treatment, year] - national.loc[control, year]).to_numpy()
        rows.append({"year": year} | _row("zone jobs", synergy, gross, "persons", rng))
        rows.append({"year": year} | _row("national jobs (net)", synergy, net, "persons", rng))
        share = 1.0 - net.mean() / gross.mean() if gross.mean() else float("nan")
        rows.append(
            {
                "year": year,
                "measure": "displacement share",
                "policy": synergy,
                "mean": float(share),
                "ci_low": float("nan"),
                "ci_high": float("nan"),
                "n": int(gross.size),
                "unit": "1 - net / gross (of mean synergies)",
            }
        )
    return pd.DataFrame(rows)
