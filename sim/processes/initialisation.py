"""The firms of the first year (ODD section 5, Initialisation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.agents.firm import PRODUCING

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["create_initial_firms"]


def create_initial_firms(model: SEZClusterModel) -> None:
    """Cluster members, background firms and early SEZ participants (ODD section 5).

    Each group's firms draw own efficiency around a shift that makes the group's firm
    size match its employment per firm relative to the average (revenue rises with
    ``z^(sigma-1)``); ownership and exporting are Bernoulli draws at the group's shares.
    """
    s, p, rng = model.spec, model.params, model.rng
    ki, ri = s.sector_index(), s.region_index()
    groups: list[dict[str, Any]] = []
    for c, cl in enumerate(s.clusters):
        groups.append(
            dict(
                n=cl.firms,
                emp=cl.employment,
                sector=ki[cl.sector],
                region=ri[cl.region],
                cluster=c,
                foreign=cl.foreign_share,
                export=cl.export_share,
                sez=-1,
            )
        )
    for g in s.firms:
        groups.append(
            dict(
                n=g.count,
                emp=g.employment,
                sector=ki[g.sector],
                region=ri[g.region],
                cluster=-1,
                foreign=g.foreign_share,
                export=g.export_share,
                sez=-1,
            )
        )
    for z, zone in enumerate(s.sezs):
        if zone.initial_participants and zone.opens <= model.year:
            groups.append(
                dict(
                    n=zone.initial_participants,
                    emp=0.0,
                    sector=ki[zone.sectors[0]],
                    region=ri[zone.region],
                    cluster=-1,
                    foreign=0.0,
                    export=0.2,
                    sez=z,
                )
            )
    if p.initial_share_a is not None:
        groups = _split_between_two_regions(groups, p.initial_share_a)
    sizes = [g["emp"] / g["n"] for g in groups if g["n"] and g["emp"]]
    mean_size = float(np.mean(sizes)) if sizes else 1.0
    for g in groups:
        n = g["n"]
        if n == 0:
            continue
        size = g["emp"] / n if g["emp"] else mean_size
        shift = np.log(size / mean_size) / (p.sigma - 1.0)
        foreign = rng.random(n) < g["foreign"]
        model.add_firms(
            n,
            status=PRODUCING,
            sector=g["sector"],
            region=g["region"],
            sez=g["sez"],
            cluster=g["cluster"],
            foreign=foreign,
            exporter=foreign | (rng.random(n) < g["export"]),
            log_q=shift
            + rng.normal(0.0, p.productivity_dispersion, n)
            + p.foreign_productivity_premium * foreign,
            entry_year=model.year,
        )


def _split_between_two_regions(groups: list[dict], share_a: float) -> list[dict]:
    """Place round(share_a * N) of all firms in the first region, the rest in the second."""
    total = sum(g["n"] for g in groups)
    n_a = round(share_a * total)
    template = next(g for g in groups if g["n"])
    return [dict(template, n=n_a, region=0), dict(template, n=total - n_a, region=1)]
