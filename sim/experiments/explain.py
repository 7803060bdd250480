"""Words from numbers: the paragraphs of a comparison report that say what the results mean.

Every sentence is generated from the tables it summarises (synergy, channels, fiscal
balance, jobs), so the report's text cannot drift from its figures.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["explain_synergy"]

#: How each indicator is named in the text.
_NAMES = {
    "taxes": "taxes",
    "turnover": "turnover",
    "investment": "investment in fixed capital",
    "fdi_inflow": "FDI",
    "exports": "exports",
    "employment": "employment",
    "innovations": "innovations",
    "privilege_cost": "the budget cost of privileges",
}


def _amount(value: float, unit: str) -> str:
    """A number for prose: 1.23 trillion, 456 billion, 7.8 million, with the unit."""
    v = abs(value)
    sign = "-" if value < 0 else ""
    if unit.startswith("million "):  # money in million currency units
        currency = unit.split(" ", 1)[1]
        for scale, word in ((1e6, "trillion"), (1e3, "billion")):
            if v >= scale:
                return f"{sign}{v / scale:,.2f} {word} {currency}"
        return f"{sign}{v:,.0f} million {currency}"
    return f"{sign}{v:,.0f} {unit}".rstrip()


def _unit(indicator: str, currency: str) -> str:
    if indicator in ("employment",):
        return "jobs"
    if indicator == "innovations":
        return "innovations a year"
    return currency


def explain_synergy(
    synergy: pd.DataFrame,
    currency: str,
    policy_year: int,
    channels: pd.DataFrame | None = None,
    fiscal: pd.DataFrame | None = None,
    jobs: pd.DataFrame | None = None,
) -> list[str]:
    """Paragraphs (markdown lines) explaining the synergy of merging.

    Args:
        synergy: :func:`sim.experiments.analysis.synergy_table` of merge - no_merge.
        currency: e.g. ``"million KZT"``.
        policy_year: the year merging starts.
        channels: :func:`sim.experiments.decompose.decomposition_table`, if run.
        fiscal: :func:`sim.experiments.fiscal.fiscal_table`.
        jobs: :func:`sim.experiments.fiscal.jobs_table`.
    """
    lines = [
        f"Merging starts in **{policy_year}**; before it every policy runs the status quo "
        "(SEZs and clusters separate), so the runs of all policies are identical until then "
        "and every difference below is the reform's.",
        "",
    ]
    if synergy.empty:
        return lines
    last = int(synergy["year"].max())
    at = synergy[synergy["year"] == last]
    unclear = at[~at["significant"]]
    for year in sorted(synergy["year"].unique()):
        clear = synergy[(synergy["year"] == year) & synergy["significant"]]
        words = []
        for r in clear.itertuples():
            direction = "raises" if r.mean > 0 else "lowers"
            rel = f" ({100 * r.relative:+.2f}%)" if r.relative == r.relative else ""
            name = _NAMES.get(r.indicator, r.indicator)
            amount = _amount(abs(r.mean), _unit(r.indicator, currency))
            words.append(f"{direction} {name} by {amount}{rel}")
        if words:
            lines.append(
                f"In {year}, merging " + "; ".join(words) + " (95% intervals exclude zero)."
            )
    if len(unclear):
        names = ", ".join(_NAMES.get(i, i) for i in unclear["indicator"])
        lines.append(
            f"For {names} the interval includes zero in {last}: the replications do not tell "
            "the sign of the effect apart from the model's own randomness."
        )
    warn = at[at["warning"].astype(bool)] if "warning" in at else at.iloc[0:0]
    if len(warn):
        lines.append(
            f"Read with care: {', '.join(sorted(set(warn['warning'])))} "
            f"({', '.join(warn['indicator'])})."
        )
    lines.append("")
    if channels is not None and not channels.empty:
        year = int(channels["year"].max())
        part = channels[(channels["year"] == year) & (channels["channel"] != "total")]
        for indicator, rows in part.groupby("indicator", sort=False):
            top = rows.iloc[rows["contribution"].abs().argmax()]
            total = channels[
                (channels["year"] == year)
                & (channels["indicator"] == indicator)
                & (channels["channel"] == "total")
            ]["contribution"]
            sign = "positive" if total.iloc[0] > 0 else "negative"
            push = "up" if top["contribution"] > 0 else "down"
            unit = _unit(indicator, currency)
            lines.append(
                f"- {_NAMES.get(indicator, indicator).capitalize()} ({year}): the synergy is "
                f"{sign}; the **{top['channel']}** channel moves it most ({push}, "
                f"{_amount(top['contribution'], unit)}, 95% CI "
                f"{_amount(top['ci_low'], unit)} to {_amount(top['ci_high'], unit)})."
            )
        lines.append("")
    if fiscal is not None and not fiscal.empty:
        syn = fiscal[fiscal["policy"].str.contains(" - ")]
        get = syn.set_index("measure")
        if "fiscal balance" in get.index:
            b = get.loc["fiscal balance"]
            verdict = (
                "improves"
                if b["ci_low"] > 0
                else "worsens"
                if b["ci_high"] < 0
                else ("changes, by an amount the replications cannot sign,")
            )
            lines.append(
                f"Fiscally, merging {verdict} the budget balance: present value "
                f"{_amount(b['mean'], currency)} (95% CI {_amount(b['ci_low'], currency)} to "
                f"{_amount(b['ci_high'], currency)}), from "
                f"{_amount(get.loc['taxes', 'mean'], currency)} of taxes against "
                f"{_amount(get.loc['privilege cost', 'mean'], currency)} of extra privileges."
            )
            lines.append("")
    if jobs is not None and not jobs.empty:
        syn = jobs[jobs["policy"].str.contains(" - ")]
        year = int(syn["year"].max())
        get = syn[syn["year"] == year].set_index("measure")["mean"]
        if {"zone jobs", "national jobs (net)"} <= set(get.index):
            lines.append(_jobs_sentence(year, get["zone jobs"], get["national jobs (net)"]))
            lines.append("")
    return lines


def _jobs_sentence(year: int, zones: float, country: float) -> str:
    """Zone and national job synergies in words.

    The displacement share is said only where it means something: the zones gain, and
    the country gains no more than the zones.
    """

    def change(n: float) -> str:
        return f"adds {n:,.0f}" if n >= 0 else f"removes {-n:,.0f}"

    both = f"{country:,.0f}" if zones >= 0 and country >= 0 else change(country)
    said = f"Jobs in {year}: merging {change(zones)} jobs in the zones and {both} in the country"
    if zones <= 0:
        return said + "."
    share = 1.0 - country / zones
    if share < 0:
        return (
            said + ": the country gains more than the zones, so merging adds jobs outside them "
            "too (no displacement share: nothing the zones gained was moved from elsewhere)."
        )
    if share > 1:
        return said + ": the zones' gain is more than offset by losses elsewhere in the country."
    return (
        said + f"; a displacement share of {share:.2f} of the zones' gain is jobs moved "
        "from elsewhere."
    )
