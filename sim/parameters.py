"""Model parameters: one source of truth for every default, unit, range and source.

Each field of :class:`ModelParameters` carries its default, its unit, its allowed range
(``ge``/``le``) and where the number comes from (``source``). ``docs/ODD.md`` lists the
same table, generated from this schema by :func:`parameter_table`. A value marked
``assumption`` is explained in ``docs/assumptions.md``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["CHANNELS", "ModelParameters", "parameter_table"]

#: The four areas in which paper 1 measures the synergy of a cluster, as channels of
#: merging (docs/ODD.md, section 7.5): what merging adds through each of them.
CHANNELS = ("finance", "industry", "labour", "innovation")
Channel = Literal["finance", "industry", "labour", "innovation"]


def _p(default: Any, unit: str, source: str, description: str, **bounds: Any) -> Any:
    """Declare one parameter with its unit and source kept next to its default."""
    return Field(
        default,
        description=description,
        json_schema_extra={"unit": unit, "source": source},
        **bounds,
    )


class ModelParameters(BaseModel):
    """All tunable model parameters (the instrument levels of the policies among them)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # --- market structure (Dixit-Stiglitz) ---------------------------------------------
    sigma: float = _p(
        4.0,
        "1",
        "assumption (A1): mid-range of CES elasticities used in NEG calibrations",
        "Elasticity of substitution between varieties of one sector (sigma > 1).",
        gt=1.05,
        le=20.0,
    )
    trade_cost_per_1000km: float = _p(
        0.35,
        "1 per 1000 km",
        "assumption (A2)",
        "Iceberg trade cost per 1000 road-km: tau = 1 + c * km / 1000.",
        ge=0.0,
        le=5.0,
    )
    road_factor: float = _p(
        1.25,
        "1",
        "data/README.md: road distances are 10-40% longer than great-circle",
        "Road km per great-circle km, applied to the scenario's distances.",
        ge=1.0,
        le=2.0,
    )
    trade_freeness: float | None = _p(
        None,
        "1",
        "Baldwin et al. (2003) phi; set only in the two-region validation case",
        "If set, phi between every pair of distinct regions (overrides distances).",
        gt=0.0,
        le=1.0,
    )
    world_trade_freeness: float = _p(
        0.25,
        "1",
        "assumption (A3)",
        "Freeness of trade (phi) between a region and the world market.",
        ge=0.0,
        le=1.0,
    )
    export_armington_elasticity: float | None = _p(
        None,
        "1",
        "assumption (A96): unset by default (no nest, the model as calibrated). Estimates "
        "of the elasticity between home and foreign goods lie in 2.5-5.1, median 3.8 "
        "(meta-analysis of 3,524 estimates, Bajzik et al. 2020); the macro elasticity is "
        "often below the micro one, near 1 for half of goods (Feenstra et al. 2018); 2.5 "
        "(the range's low end, below sigma) is the value to try",
        "Elasticity of substitution, in world demand, between Kazakhstan's composite of a "
        "sector's varieties and the rest of the world's supply (outer Armington nest, "
        "M6a): below sigma, a sector's Kazakh exporters share the world's demand for its "
        "Kazakh varieties, so each sells less as more of them export; unset: sigma, no "
        "nest (each variety faces a fixed world price index, M6).",
        gt=0.0,
        le=20.0,
    )
    intermediate_share: float = _p(
        0.3,
        "1",
        "assumption (A80): manufacturing buys about 60-70% of its output as intermediate "
        "consumption (BNS symmetric input-output tables, stat.gov.kz); much of it is "
        "imported or comes from sectors the model does not hold (mining, energy), so a "
        "third of the non-labour variable cost is bought from related sectors at home",
        "Share of a sector's non-labour variable cost (materials and services) bought as "
        "a CES composite of its related sectors' varieties at home, under trade costs "
        "(input-output linkages, M8, M9; 0: off).",
        ge=0.0,
        le=1.0,
    )
    # --- labour --------------------------------------------------------------------------
    wage: float = _p(
        1.95,
        "million KZT per worker-year",
        "assumption (A4): ~162,700 KZT/month average nominal wage, KZ 2018 (BNS)",
        "Base annual wage per worker at the scenario start.",
        gt=0.0,
        le=100.0,
    )
    wage_elasticity: float = _p(
        0.3,
        "1",
        "assumption (A5)",
        "Elasticity of the regional wage to its manufacturing employment rate.",
        ge=0.0,
        le=3.0,
    )
    # --- worker migration (L2) and the core-periphery mode (L3) -------------------------
    migration_rate: float = _p(
        0.2,
        "1 per year per unit of relative real-wage gain",
        "assumption (A50): a 10% net real-wage gain draws 2%/(R-1) of a region's workers a "
        "year; keeps every Kazakh region within 12% of its no-migration labour force",
        "Yearly probability that a worker moves to a region paying a real wage higher by "
        "a unit share, net of the cost, times the number of other regions (L2).",
        ge=0.0,
        le=2.0,
    )
    migration_cost: float = _p(
        0.1,
        "1",
        "assumption (A51): moving, housing and search costs and ties to place worth a "
        "tenth of the origin's real wage",
        "Relative real-wage gain a move must exceed: nobody moves for less (L2).",
        ge=0.0,
        le=2.0,
    )
    core_periphery: bool = _p(
        False,
        "switch",
        "validation mode (A52): Krugman's (1991) core-periphery model, "
        "scenarios/cp_two_region.yaml",
        "The labour force is the mobile manufacturing workforce: wages clear its market "
        "(L3), firms follow their workers, and the population outside the labour force "
        "are immobile farmers earning the base wage.",
    )
    labour_force_share: float = _p(
        0.48,
        "1",
        "assumption (A6): labour force / population, KZ about 9.2 of 19 million",
        "Labour force as a share of regional population.",
        gt=0.0,
        le=1.0,
    )
    fixed_labour: float = _p(
        5.0,
        "workers per firm",
        "assumption (A7)",
        "Overhead workers per active firm (fixed cost in labour).",
        ge=0.0,
        le=1000.0,
    )
    # --- agglomeration and knowledge (the cluster channels) ------------------------------
    agglomeration_elasticity: float = _p(
        0.04,
        "1",
        "Rosenthal & Strange (2004): localisation elasticities 0.02-0.08",
        "Elasticity of productivity to same-sector employment in the region.",
        ge=0.0,
        le=0.5,
    )
    related_elasticity: float = _p(
        0.02,
        "1",
        "assumption (A8): half the own-sector elasticity",
        "Elasticity of productivity to related-sector employment in the region.",
        ge=0.0,
        le=0.5,
    )
    spillover_strength: float = _p(
        0.5,
        "1 per unit of institute access",
        "assumption (A9)",
        "Rise of the innovation hazard per unit of distance-decayed institute access.",
        ge=0.0,
        le=2.0,
    )
    spillover_decay_km: float = _p(
        250.0,
        "km",
        "assumption (A10): spillovers fade within a few hundred km (Audretsch & Feldman 2004)",
        "Distance over which an institute's spillover falls by the factor e.",
        gt=0.0,
        le=5000.0,
    )
    partner_absorption: float = _p(
        0.1,
        "1 per year",
        "assumption (A11)",
        "Share of the knowledge gap to value-chain partners closed each year.",
        ge=0.0,
        le=1.0,
    )
    integrator_coordination: float = _p(
        0.03,
        "1",
        "assumption (A12)",
        "Productivity gain of cluster members from an active integrator.",
        ge=0.0,
        le=0.5,
    )
    integrator_links_per_year: int = _p(
        3,
        "links per year per integrator",
        "assumption (A13)",
        "Value-chain links an integrator brokers each year.",
        ge=0,
        le=1000,
    )
    integrator_fdi_scouting: float = _p(
        0.5,
        "FDI entrants per year per integrator",
        "assumption (A14)",
        "Expected extra foreign investors an integrator brings to its cluster each year.",
        ge=0.0,
        le=100.0,
    )
    colocation_bonus: float = _p(
        0.5,
        "1",
        "assumption (A15)",
        "Extra weight of integrator/institute channels when co-located in the SEZ (merge).",
        ge=0.0,
        le=5.0,
    )
    # --- innovation ----------------------------------------------------------------------
    innovation_rate: float = _p(
        0.08,
        "1 per year",
        "assumption (A16)",
        "Base yearly probability that a firm innovates (hazard scale).",
        ge=0.0,
        le=1.0,
    )
    innovation_step: float = _p(
        0.03,
        "log points",
        "assumption (A17)",
        "Productivity gained by one innovation (log points of the knowledge stock).",
        ge=0.0,
        le=1.0,
    )
    # --- investment ----------------------------------------------------------------------
    capital_output_ratio: float = _p(
        1.2,
        "years",
        "assumption (A18)",
        "Desired fixed capital per unit of yearly turnover.",
        ge=0.0,
        le=10.0,
    )
    depreciation: float = _p(
        0.07,
        "1 per year",
        "assumption (A19)",
        "Depreciation rate of fixed capital.",
        ge=0.0,
        le=1.0,
    )
    investment_adjustment: float = _p(
        0.3,
        "1 per year",
        "assumption (A20)",
        "Share of the gap to desired capital closed each year.",
        ge=0.0,
        le=1.0,
    )
    # --- entry, exit, relocation ---------------------------------------------------------
    entry_rate: float = _p(
        0.05,
        "entrants per incumbent per year",
        "assumption (A21)",
        "Domestic entrants per year as a share of active firms (national pool).",
        ge=0.0,
        le=1.0,
    )
    fdi_entry_rate: float = _p(
        0.01,
        "entrants per incumbent per year",
        "assumption (A22)",
        "Foreign entrants per year as a share of active firms (global pool).",
        ge=0.0,
        le=1.0,
    )
    domestic_exporter_share: float = _p(
        0.2,
        "1",
        "assumption (A40)",
        "Probability that a domestic entrant is export-oriented (foreign entrants always are).",
        ge=0.0,
        le=1.0,
    )
    location_choice_beta: float = _p(
        4.0,
        "1",
        "assumption (A23)",
        "Logit sensitivity of entrants' location choice to log expected profit.",
        ge=0.0,
        le=50.0,
    )
    # --- entry and FDI that respond; integrators as matchmakers (issue 12) ---------------
    entry_profit_elasticity: float = _p(
        0.0,
        "1",
        "assumption (A65): off by default; free entry (Melitz 2003, Dixit-Stiglitz entry) "
        "has entry respond to expected profit net of the entry cost; no estimate for KZ",
        "Elasticity of the expected number of entrants (domestic and foreign) to the ratio "
        "of an entrant's expected after-tax real profit to the entry cost (D3a; 0: fixed "
        "entry rates).",
        ge=0.0,
        le=3.0,
    )
    entry_cost: float = _p(
        165.0,
        "million KZT per year",
        "assumption (A66): annualised sunk cost of entry, set at the expected after-tax "
        "real profit of a unit-efficiency entrant in the Kazakhstan scenario's first year "
        "(165 domestic, 168 foreign), so that the free-entry pressure starts near 1",
        "Annualised entry cost F_e the expected profit of an entrant is compared with (D3a).",
        gt=0.0,
        le=1e6,
    )
    fdi_chain_elasticity: float = _p(
        0.0,
        "1",
        "assumption (A67): off by default; Mathews' chain reaction (investors follow "
        "investors, paper 2); below 1 so the process is stable",
        "Elasticity of expected foreign entry to last year's foreign entrants relative to "
        "the number the base rate expected (D3b; 0: off).",
        ge=0.0,
        le=0.95,
    )
    fdi_follow_elasticity: float = _p(
        0.0,
        "1",
        "assumption (A97): off by default; Head, Ries & Swenson (1995) find foreign "
        "investors drawn to states with more earlier investors of their industry; the "
        "magnitude is assumed",
        "Conditional-logit coefficient of a foreign entrant's location choice on log(1 + "
        "foreign firms of its sector in the region) (D3d: investors follow investors to "
        "where they went; 0: off).",
        ge=0.0,
        le=3.0,
    )
    cluster_benefit_weight: float = _p(
        0.0,
        "1",
        "assumption (A68): off by default; 1 = entrants count the full expected gain of "
        "joining a cluster (coordination, institute links, partners)",
        "Weight of the expected productivity gain of cluster membership (P4, P5, I4) in an "
        "entrant's location value where it would join a cluster (D3c; 0: off).",
        ge=0.0,
        le=1.0,
    )
    integrator_matchmaking: bool = _p(
        True,
        "switch",
        "assumption (A69): paper 2, Table 5: integrators build value chains between "
        "related industries",
        "Integrators propose buyer-supplier links to related sectors by expected gain "
        "(I3, I4); off: random pairs of members (the earlier rule).",
    )
    integrator_fee_rate: float = _p(
        0.0,
        "1",
        "assumption (A70): off by default; cluster associations charge members fees of "
        "the order of 0.01-0.1% of turnover",
        "Fee members pay their integrator, as a share of turnover, out of profit (I1).",
        ge=0.0,
        le=0.05,
    )
    integrator_effort_cost: float = _p(
        100.0,
        "million KZT per year",
        "assumption (A71): the yearly cost of a small management team (a few specialists "
        "and their projects), about USD 0.2 million",
        "Budget that adds one base effort (links per year, investors scouted) to an "
        "integrator's (I2).",
        gt=0.0,
        le=1e6,
    )
    integrator_anchoring: bool = _p(
        True,
        "switch",
        "assumption (A72): paper 1, cluster zones: the integrator places anchor investors "
        "on the zone's land",
        "Under merge (industry channel), an integrator sends the investors it scouts to "
        "its cluster zone while the zone has land left (I2); off: they choose within the "
        "cluster's territory by logit.",
    )
    # --- incumbents that decide: exporting (X1-X2), cluster membership (J1-J2) ---------
    export_decision: bool = _p(
        False,
        "switch",
        "assumption (A90): off by default, so exporter status stays as drawn at "
        "initialisation and entry; on: sunk-cost export hysteresis (Roberts & Tybout 1997, "
        "Melitz 2003, Das, Roberts & Tybout 2007)",
        "Domestic producers decide each year whether to export, by expected after-tax "
        "export profit against the fixed and sunk export costs (X1, X2); off: exporter "
        "status is fixed at entry.",
    )
    export_fixed_cost: float = _p(
        20.0,
        "million KZT per year",
        "assumption (A91): a tenth of the sunk cost a year; Das, Roberts & Tybout (2007) "
        "find fixed export costs small next to sunk ones",
        "Yearly fixed cost of exporting f_x, paid out of profit by every exporter (X2; "
        "read only with export_decision).",
        ge=0.0,
        le=1e6,
    )
    export_sunk_cost: float = _p(
        200.0,
        "million KZT",
        "Das, Roberts & Tybout (2007): sunk export entry costs of USD 0.34-0.43 million "
        "for Colombian chemicals producers, about 200 million KZT (assumption A92: the "
        "conversion, at about 450-500 KZT per USD)",
        "One-off cost S of starting to export, paid out of profit in the year a firm "
        "starts (X2; read only with export_decision).",
        ge=0.0,
        le=1e6,
    )
    export_sunk_annuity: float = _p(
        0.15,
        "1 per year",
        "assumption (A93): a firm's discount rate (about 12%, Kazakh lending rates) plus "
        "its exogenous exit hazard (exit_rate, 3%)",
        "Share r + delta of the sunk export cost a non-exporter charges per year of "
        "exporting when it weighs starting (X2): it starts if its export profit exceeds "
        "f_x + (r + delta) S.",
        ge=0.0,
        le=1.0,
    )
    cluster_membership_decision: bool = _p(
        False,
        "switch",
        "assumption (A94): off by default, so cluster membership stays as set at "
        "initialisation and entry",
        "Producers of a cluster's sector or a related sector in its territory join the "
        "cluster when its expected benefit exceeds the membership cost, and members leave "
        "when it falls below (J1, J2; only while cluster channels are on).",
    )
    cluster_membership_cost: float = _p(
        5.0,
        "million KZT per year",
        "assumption (A95): staff time and dues of taking part in a cluster association, "
        "the order of registration_cost (A41); the integrator's fee on turnover "
        "(integrator_fee_rate) comes on top",
        "Yearly cost c_m of cluster membership, paid out of profit by members (J2; read "
        "only with cluster_membership_decision).",
        ge=0.0,
        le=1e6,
    )
    exit_rate: float = _p(
        0.03,
        "1 per year",
        "assumption (A24)",
        "Exogenous yearly exit hazard of an active firm.",
        ge=0.0,
        le=1.0,
    )
    loss_exit_probability: float = _p(
        0.3,
        "1 per year",
        "assumption (A25)",
        "Yearly exit probability of a firm whose profit is negative.",
        ge=0.0,
        le=1.0,
    )
    relocation_rate: float = _p(
        0.05,
        "1 per year",
        "assumption (A26)",
        "Revision rate gamma of the pairwise-imitation relocation rule.",
        ge=0.0,
        le=1.0,
    )
    relocation_cost: float = _p(
        0.05,
        "1",
        "assumption (A27)",
        "Relative real-profit gain a firm needs before it relocates.",
        ge=0.0,
        le=1.0,
    )
    construction_years: int = _p(
        3,
        "years",
        "assumption (A28): 700 registered vs 180 active participants implies a long pipeline",
        "Years from registration in an SEZ to production.",
        ge=0,
        le=20,
    )
    project_abandon_rate: float = _p(
        0.08,
        "1 per year",
        "assumption (A29)",
        "Yearly probability that a registered SEZ project is abandoned before production.",
        ge=0.0,
        le=1.0,
    )
    land_per_participant_ha: float = _p(
        10.0,
        "ha per participant",
        "assumption (A30)",
        "SEZ land a participant occupies; capacity = area / this.",
        gt=0.0,
        le=10000.0,
    )
    # --- taxes and privileges (instrument levels) ---------------------------------------
    profit_tax_rate: float = _p(
        0.20,
        "1",
        "Tax Code of the Republic of Kazakhstan: corporate income tax rate 20%",
        "Corporate income tax rate on positive profit.",
        ge=0.0,
        le=1.0,
    )
    turnover_tax_rate: float = _p(
        0.08,
        "1",
        "assumption (A31): VAT, property, land and other payments as a share of turnover",
        "Other taxes and payments as a share of turnover.",
        ge=0.0,
        le=1.0,
    )
    payroll_tax_rate: float = _p(
        0.095,
        "1",
        "assumption (A32): social tax 9.5% of payroll (KZ Tax Code)",
        "Social tax as a share of the wage bill.",
        ge=0.0,
        le=1.0,
    )
    profit_tax_relief: float = _p(
        1.0,
        "1",
        "Law of RK 'On special economic and industrial zones' (2019): CIT exemption",
        "Share of profit tax forgiven to SEZ participants in priority activities.",
        ge=0.0,
        le=1.0,
    )
    other_tax_relief: float = _p(
        0.5,
        "1",
        "assumption (A33): land/property tax and VAT relief, partial",
        "Share of turnover taxes forgiven to SEZ participants in priority activities.",
        ge=0.0,
        le=1.0,
    )
    customs_relief: float = _p(
        0.15,
        "1",
        "assumption (A34): free-customs-zone regime lowers trade cost to world",
        "Proportional cut in iceberg trade cost to the world market for SEZ participants.",
        ge=0.0,
        le=1.0,
    )
    non_priority_benefit_share: float = _p(
        0.5,
        "1",
        "seed paper 2 (R-Economy 2019, 5(2)): 'differentiated (individual) approach'; level A39",
        "Share of privileges that non-priority activities receive under differentiation.",
        ge=0.0,
        le=1.0,
    )
    # --- the policy as a dated intervention, and merge's channels ------------------------
    policy_start_year: int | None = _p(
        None,
        "calendar year",
        "policy lever: the reform year (unset: the scenario's start year)",
        "Year from which the chosen policy applies; before it every policy runs the "
        "status quo (no_merge), so all policies share one baseline.",
        ge=1900,
        le=2300,
    )
    merge_channels: list[Channel] = _p(
        list(CHANNELS),
        "set of channels",
        "seed paper 1: the synergy is measured in finance, industry, labour, innovation",
        "Channels through which merging acts (decomposition lever): finance = tax and "
        "customs relief of members registered in a cluster zone; industry = zone "
        "infrastructure, investors scouted into the zone, entrants admitted to it; labour "
        "= labour pooling in the zone; innovation = integrator and institutes co-located "
        "with the zone, cluster membership of entrants there.",
    )
    registration_cost: float = _p(
        5.0,
        "million KZT per year",
        "assumption (A41): annualised cost of registering in a zone and meeting its "
        "reporting and investment obligations",
        "A cluster member registers in its paired zone only if its yearly after-tax "
        "profit gain exceeds this.",
        ge=0.0,
        le=10_000.0,
    )
    labour_pooling_premium: float = _p(
        0.02,
        "log points",
        "assumption (A42): Marshallian labour pooling gains, Overman & Puga (2010); "
        "half the own-sector localisation elasticity's effect of doubling employment",
        "Productivity gain of cluster members registered in their cluster zone from the "
        "zone's shared labour pool and training services (P6).",
        ge=0.0,
        le=0.5,
    )
    cluster_zone_value_chain: bool = _p(
        True,
        "switch",
        "seed paper 2: clusters are value chains of related industries (its four-step "
        "scheme: large firms with their horizontal and vertical chains)",
        "Under merge, a cluster zone also admits entrants of sectors related to its "
        "cluster's (suppliers and buyers), as activities outside the zone's priorities: "
        "they get the differentiated share of the privileges.",
    )
    cluster_territory_privileges: bool = _p(
        False,
        "switch",
        "reading of paper 1 as a variant: privileges extended to the cluster's territory",
        "Under merge, every member of a cluster with an open paired zone gets that zone's "
        "privileges wherever it sits (the older reading); off: only registered "
        "participants do.",
    )
    # --- the fiscal cost and benefit of the zones -----------------------------------------
    customs_duty_rate: float = _p(
        0.06,
        "1",
        "assumption (A43): about Kazakhstan's simple average applied import duty after WTO "
        "accession (EAEU common external tariff)",
        "Import duty a free customs zone forgoes on its participants' imported inputs.",
        ge=0.0,
        le=1.0,
    )
    import_content_share: float = _p(
        0.2,
        "1",
        "assumption (A44): imported inputs per unit of turnover of manufacturing firms",
        "Imported inputs eligible for the customs exemption, as a share of turnover.",
        ge=0.0,
        le=1.0,
    )
    infrastructure_cost_per_ha: float = _p(
        8.0,
        "million KZT per ha",
        "data/sez_indicators.csv KZ09: 36.8 bn KZT of basic infrastructure (108 facilities, "
        "2016) for Khorgos-Eastern Gates' 4,591.5 ha (data/kz_sez.csv)",
        "Budget spending on a zone's infrastructure per hectare, booked when it opens.",
        ge=0.0,
        le=1000.0,
    )
    discount_rate: float = _p(
        0.08,
        "1 per year",
        "assumption (A45): a social discount rate for public investment appraisal in an "
        "emerging economy (between the 5-6% of EU guidance and Kazakhstan's policy rate)",
        "Rate at which the fiscal balance of a policy is discounted to the policy year.",
        ge=0.0,
        le=0.5,
    )
    # --- research institutes that grow and choose (I1-I5; government grants: G1-G4) ------
    institute_adjustment_rate: float = _p(
        0.0,
        "1 per year",
        "assumption (A55): off by default (capacity fixed, as before); 0.2 when on, a "
        "research staff that turns over in about five years",
        "Share of the gap between what an institute's funding pays for and its capacity "
        "closed each year (I1; 0: capacity fixed).",
        ge=0.0,
        le=1.0,
    )
    institute_cost_per_capacity: float = _p(
        400.0,
        "million KZT per capacity unit per year",
        "assumption (A56): a capacity unit is a hundred researchers at about 4 million KZT "
        "a year each, salaries and overhead (order of magnitude of R&D spending per "
        "researcher in Kazakhstan)",
        "Yearly funding that keeps one unit of institute capacity (I1).",
        gt=0.0,
        le=100000.0,
    )
    institute_partners_per_capacity: float = _p(
        0.0,
        "firms per capacity unit",
        "assumption (A57): off by default; 10 when on, a research group of ten to twenty "
        "researchers per collaborating firm",
        "Collaboration partners an institute chooses per unit of capacity (I2; 0: none).",
        ge=0.0,
        le=1000.0,
    )
    institute_contract_share: float = _p(
        0.0,
        "1",
        "assumption (A58): off by default; 0.001 when on, the order of business R&D "
        "contracted out per unit of turnover in Kazakhstan",
        "Share of a partner firm's turnover it pays its institute as research contracts (I3).",
        ge=0.0,
        le=0.05,
    )
    institute_partner_boost: float = _p(
        0.0,
        "1",
        "assumption (A59): off by default; 1 when on, a formal partner absorbs its "
        "institute's output twice as well as a firm that only shares its region",
        "Extra institute access of a collaboration partner, per unit of its institute's "
        "distance-decayed output (I4; 0: partners get no boost).",
        ge=0.0,
        le=10.0,
    )
    spinoff_rate: float = _p(
        0.0,
        "firms per capacity unit per year",
        "assumption (A60): off by default; 0.05 when on, about one spin-off a year per "
        "2,000 researchers",
        "Expected new firms an institute spins off per unit of knowledge output (I5; 0: none).",
        ge=0.0,
        le=5.0,
    )
    # --- initial population and demand --------------------------------------------------
    productivity_dispersion: float = _p(
        0.6,
        "log points (s.d.)",
        "assumption (A35): lognormal firm productivity (Axtell 2001 size skew)",
        "Standard deviation of log initial productivity of firms.",
        ge=0.0,
        le=3.0,
    )
    foreign_productivity_premium: float = _p(
        0.2,
        "log points",
        "assumption (A36): foreign affiliates more productive (Helpman et al. 2004)",
        "Log productivity premium of foreign-owned entrants.",
        ge=0.0,
        le=2.0,
    )
    world_demand_growth: float = _p(
        0.03,
        "1 per year",
        "assumption (A37)",
        "Yearly growth of world demand for every sector.",
        ge=-0.5,
        le=0.5,
    )
    population_growth: float = _p(
        0.013,
        "1 per year",
        "assumption (A38): KZ population growth about 1.3%/yr in 2010s (BNS)",
        "Yearly growth of regional population and labour force.",
        ge=-0.1,
        le=0.1,
    )
    initial_share_a: float | None = _p(
        None,
        "1",
        "validation lever (footloose-entrepreneur and core-periphery cases)",
        "If set, the initial share of all firms (in the core-periphery mode also of the "
        "labour force) placed in the first region.",
        ge=0.0,
        le=1.0,
    )

    @model_validator(mode="after")
    def _nest_not_above_sigma(self) -> ModelParameters:
        # M6a: an outer elasticity above the inner one would raise each exporter's
        # demand as more Kazakh exporters enter (entry would feed on itself).
        eta = self.export_armington_elasticity
        if eta is not None and eta > self.sigma:
            raise ValueError(
                f"export_armington_elasticity ({eta}) must not exceed sigma ({self.sigma})"
            )
        return self

    @field_validator("merge_channels")
    @classmethod
    def _channels_once_each(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"a channel is named twice: {value}")
        return sorted(value, key=CHANNELS.index)


def parameter_table() -> list[dict[str, Any]]:
    """Return one row per parameter: name, default, unit, range, source, description."""
    rows = []
    for name, field in ModelParameters.model_fields.items():
        extra = field.json_schema_extra or {}
        lower = upper = None
        for meta in field.metadata:
            lower = getattr(meta, "ge", getattr(meta, "gt", lower))
            upper = getattr(meta, "le", getattr(meta, "lt", upper))
        rows.append(
            {
                "name": name,
                "default": field.default,
                "unit": extra.get("unit", ""),
                "range": f"[{lower}, {upper}]",
                "source": extra.get("source", ""),
                "description": field.description or "",
            }
        )
    return rows


def _markdown_default(value: Any) -> str:
    if value is None:
        return "unset"
    return f"{value:g}" if isinstance(value, float) else str(value)


def parameter_markdown() -> str:
    """The parameter table as Markdown (the table in docs/assumptions.md is this output)."""
    lines = [
        "| parameter | default | unit | range | meaning | source / assumption |",
        "|---|---|---|---|---|---|",
    ]
    for row in parameter_table():
        cells = [
            f"`{row['name']}`",
            _markdown_default(row["default"]),
            row["unit"],
            row["range"],
            row["description"],
            row["source"],
        ]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"
