"""The firms of the first year (ODD section 5, Initialisation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.agents.firm import PRODUCING
from sim.economy.firm_dynamics import firm_sizes

if TYPE_CHECKING:
    from sim.model import SEZClusterModel
    from sim.scenario import Scenario

__all__ = ["create_initial_firms", "draw_own_efficiency", "size_classes"]


def create_initial_firms(model: SEZClusterModel) -> None:
    """Cluster members, background firms and early SEZ participants (ODD section 5).

    Each group's firms draw own efficiency around a shift that makes each firm's size
    match its employment relative to the average group's (revenue rises with
    ``z^(sigma-1)``). In a sector with a size distribution (``firm_sizes``) every firm
    draws its own employment from it, scaled to the group's total where the group gives
    one, and the draw is its whole dispersion; elsewhere the firms of a group share its
    employment per firm and draw ``N(0, productivity_dispersion)`` around it. Ownership
    and exporting are Bernoulli draws at the group's shares.
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
    model.size_classes = size_classes(s)
    _draw_sizes(groups, model.size_classes, rng)
    sizes = [g["emp"] / g["n"] for g in groups if g["n"] and g["emp"]]
    mean_size = float(np.mean(sizes)) if sizes else 1.0
    model.mean_size = mean_size
    made = [g for g in groups if g["n"]]
    log_q, foreign, exporter = [], [], []
    for g in made:
        n = g["n"]
        if "sizes" in g:
            shift = np.log(g["sizes"] / mean_size) / (p.sigma - 1.0)
        else:
            size = g["emp"] / n if g["emp"] else mean_size
            shift = np.log(size / mean_size) / (p.sigma - 1.0)
        foreign.append(rng.random(n) < g["foreign"])
        exporter.append(foreign[-1] | (rng.random(n) < g["export"]))
        if "sizes" not in g:
            shift = shift + rng.normal(0.0, p.productivity_dispersion, n)
        log_q.append(shift + p.foreign_productivity_premium * foreign[-1])
    if not made:
        return
    # All groups' firms enter the table at once, group after group.
    counts = [g["n"] for g in made]
    model.add_firms(
        sum(counts),
        status=PRODUCING,
        **{
            key: np.repeat([g[key] for g in made], counts)
            for key in ("sector", "region", "sez", "cluster")
        },
        foreign=np.concatenate(foreign),
        exporter=np.concatenate(exporter),
        log_q=np.concatenate(log_q),
        entry_year=model.year,
    )


def size_classes(spec: Scenario) -> list[tuple[np.ndarray, np.ndarray, np.ndarray] | None]:
    """Each sector's size classes as arrays ``(low, high, share)``, or None (no firm_sizes)."""
    by_sector = spec.sizes_of_sector()
    classes: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = []
    for sector in spec.sectors:
        sizes = by_sector.get(sector.id)
        classes.append(
            None
            if sizes is None
            else (
                np.array([b.min for b in sizes.bands]),
                np.array([b.max for b in sizes.bands]),
                np.array([b.share for b in sizes.bands]),
            )
        )
    return classes


def draw_own_efficiency(model: SEZClusterModel, k: int, n: int) -> np.ndarray:
    """Own efficiency ``log q`` of ``n`` new firms of sector ``k`` (entrants, spin-offs).

    Where the sector has a size distribution, a new firm draws its size from it like the
    initial firms, ``log q = log(s / mean size) / (sigma - 1)``, so entrants are as big,
    on average and in spread, as the firms they join; elsewhere
    ``log q ~ N(0, productivity_dispersion)``. Before the foreign premium.
    """
    p = model.params
    classes = model.size_classes[k]
    if classes is None:
        return model.rng.normal(0.0, p.productivity_dispersion, n)
    drawn = firm_sizes(model.rng, *classes, n)
    return np.log(drawn / model.mean_size) / (p.sigma - 1.0)


def _draw_sizes(
    groups: list[dict],
    classes: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None],
    rng: Any,
) -> None:
    """Give every group of a sector with a size distribution its firms' employment.

    The draws come first, group by group in order, so a scenario without ``firm_sizes``
    draws exactly what it drew before. A group with a total (``emp``) keeps it: its
    draws are scaled to add up to it; a group without one takes the draws' total.
    """
    for g in groups:
        sector_classes = classes[g["sector"]]
        if sector_classes is None or g["n"] == 0:
            continue
        drawn = firm_sizes(rng, *sector_classes, g["n"])
        if g["emp"]:
            drawn *= g["emp"] / drawn.sum()
        g["sizes"], g["emp"] = drawn, float(drawn.sum())


def _split_between_two_regions(groups: list[dict], share_a: float) -> list[dict]:
    """Place round(share_a * N) of all firms in the first region, the rest in the second."""
    total = sum(g["n"] for g in groups)
    n_a = round(share_a * total)
    template = next(g for g in groups if g["n"])
    return [dict(template, n=n_a, region=0), dict(template, n=total - n_a, region=1)]
