"""What the UI calls things: indicator names for people, parameter groups, number formats.

A display table only: the indicators' units and formulas stay in
:mod:`sim.indicators` and the parameters' ranges and units in :mod:`sim.parameters`;
this module gives them the words and groupings a ministry reader expects. An indicator
or parameter missing here still shows, under its own name or in the group "other".
"""

from __future__ import annotations

import math

from sim.indicators import INDICATORS

__all__ = [
    "INDICATOR_LABELS",
    "PARAMETER_GROUPS",
    "currency_word",
    "format_amount",
    "glossary",
    "indicator_label",
    "indicator_unit",
    "money_scale",
    "parameter_group",
]

#: Human names of the indicators (the column names stay the model's).
INDICATOR_LABELS: dict[str, str] = {
    "firms": "Firms",
    "firms_producing": "Producing firms",
    "foreign_firms": "Foreign-owned firms",
    "sez_registered": "SEZ participants",
    "sez_active": "Producing SEZ participants",
    "cluster_members": "Cluster members",
    "entrants": "New firms",
    "exits": "Firm exits",
    "turnover": "Turnover",
    "value_added": "Value added",
    "investment": "Investment",
    "capital": "Fixed capital",
    "fdi_inflow": "FDI inflow",
    "fdi_stock": "FDI stock",
    "exports": "Exports",
    "exporters": "Exporting firms",
    "export_starts": "Firms starting to export",
    "export_stops": "Firms stopping exports",
    "cluster_joins": "Firms joining a cluster",
    "cluster_leaves": "Members leaving a cluster",
    "employment": "Employment",
    "wage_bill": "Wage bill",
    "avg_wage": "Average wage",
    "taxes": "Taxes paid",
    "privilege_cost": "Cost of SEZ privileges",
    "innovations": "Innovating firms",
    "productivity": "Productivity index",
    "links": "Value-chain links",
    "location_quotient": "Location quotient",
    "herfindahl": "Herfindahl index (turnover by region)",
    "theil": "Theil index (turnover per person)",
    "industry_share_a": "Industry share of region A",
}

#: The slider groups of the Explore page, in the order shown, and their parameters.
PARAMETER_GROUPS: dict[str, list[str]] = {
    "Trade": [
        "sigma",
        "trade_cost_per_1000km",
        "road_factor",
        "world_trade_freeness",
        "intermediate_share",
        "world_demand_growth",
        "domestic_exporter_share",
        "export_fixed_cost",
        "export_sunk_cost",
        "export_sunk_annuity",
    ],
    "Labour": [
        "wage",
        "wage_elasticity",
        "labour_force_share",
        "fixed_labour",
        "population_growth",
        "migration_rate",
        "migration_cost",
        "labour_pooling_premium",
    ],
    "Innovation": [
        "agglomeration_elasticity",
        "related_elasticity",
        "spillover_strength",
        "spillover_decay_km",
        "partner_absorption",
        "innovation_rate",
        "innovation_step",
        "productivity_dispersion",
        "foreign_productivity_premium",
        "institute_adjustment_rate",
        "institute_cost_per_capacity",
        "institute_partners_per_capacity",
        "institute_contract_share",
        "institute_partner_boost",
        "spinoff_rate",
    ],
    "Fiscal": [
        "profit_tax_rate",
        "turnover_tax_rate",
        "payroll_tax_rate",
        "profit_tax_relief",
        "other_tax_relief",
        "customs_relief",
        "non_priority_benefit_share",
        "customs_duty_rate",
        "import_content_share",
        "infrastructure_cost_per_ha",
        "discount_rate",
    ],
    "Zones": [
        "integrator_coordination",
        "integrator_links_per_year",
        "integrator_fdi_scouting",
        "colocation_bonus",
        "land_per_participant_ha",
        "construction_years",
        "project_abandon_rate",
        "registration_cost",
        "integrator_fee_rate",
        "integrator_effort_cost",
        "cluster_membership_cost",
    ],
    "Entry": [
        "entry_rate",
        "fdi_entry_rate",
        "location_choice_beta",
        "entry_profit_elasticity",
        "entry_cost",
        "fdi_chain_elasticity",
        "fdi_follow_elasticity",
        "cluster_benefit_weight",
        "exit_rate",
        "loss_exit_probability",
        "relocation_rate",
        "relocation_cost",
        "capital_output_ratio",
        "depreciation",
        "investment_adjustment",
    ],
}

_GROUP_OF = {name: group for group, names in PARAMETER_GROUPS.items() for name in names}

#: Steps of a money unit: the model counts in millions of the currency.
_MONEY_STEPS = [(1e6, "trn"), (1e3, "bn"), (1.0, "mn"), (1e-3, "thousand")]


def parameter_group(name: str) -> str:
    """The slider group of a parameter ("Other" for one this table does not know)."""
    return _GROUP_OF.get(name, "Other")


def indicator_label(name: str) -> str:
    """The human name of an indicator (its column name if the table lacks it)."""
    return INDICATOR_LABELS.get(name, name.replace("_", " "))


def indicator_unit(name: str, currency: str) -> str:
    """The indicator's unit from the registry, with the scenario's currency filled in."""
    try:
        unit = INDICATORS[name].unit
    except StopIteration:
        return ""
    return unit.replace("million currency units", f"mn {currency_word(currency)}")


def currency_word(currency: str) -> str:
    """The currency's name without a scale word ("million KZT" → "KZT")."""
    return currency.replace("million", "").strip() or currency


def _is_money(name: str) -> bool:
    try:
        return "currency" in INDICATORS[name].unit
    except StopIteration:
        return False


def money_scale(name: str, largest: float, currency: str) -> tuple[float, str]:
    """A divisor and a unit so an indicator's values read as "1.2 trn KZT", not "1.2M mn".

    Args:
        name: indicator column name.
        largest: the largest absolute value to show, in the indicator's own unit.
        currency: the scenario's currency.

    Returns:
        ``(divisor, unit)``: show ``value / divisor`` with ``unit``. Indicators that are
        not money keep their unit (divisor 1); money indicators (recorded in millions of
        the currency) get mn / bn / trn.
    """
    unit = indicator_unit(name, currency)
    if not _is_money(name):
        return 1.0, unit
    currency = currency_word(currency)
    suffix = unit.split(currency, 1)[1] if currency in unit else ""
    for factor, word in _MONEY_STEPS:
        if abs(largest) >= factor or (largest == 0 and factor == 1.0):
            return factor, f"{word} {currency}{suffix}"
    return _MONEY_STEPS[-1][0], f"{_MONEY_STEPS[-1][1]} {currency}{suffix}"


def format_amount(name: str, value: float, currency: str) -> str:
    """One value of an indicator for people: "1.2 trn KZT/yr", "48,210 persons", "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    divisor, unit = money_scale(name, value, currency)
    shown = value / divisor
    if _is_money(name) or (abs(shown) < 100 and not float(shown).is_integer()):
        text = f"{shown:,.3g}" if abs(shown) < 1000 else f"{shown:,.0f}"
    else:
        text = f"{shown:,.0f}"
    if unit in ("1", "index", "count"):
        return text
    if unit.startswith("count"):
        return text + unit.removeprefix("count")
    return f"{text} {unit}"


def glossary(currency: str) -> list[dict[str, str]]:
    """Every indicator: its human name, column name, unit and formula (from the registry)."""
    return [
        {
            "indicator": indicator_label(i.name),
            "column": i.name,
            "unit": indicator_unit(i.name, currency),
            "what it is": i.formula,
        }
        for i in INDICATORS
    ]
