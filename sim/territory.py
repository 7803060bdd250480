"""The territory: regions on a transport network, SEZs inside regions, clusters.

Builds, from a validated scenario, the arrays the economics work on: road distances,
labour forces, sector relatedness, SEZ and cluster attributes; and the networkx graph
behind the model's Mesa ``Network`` space (ODD: entities, spatial scales).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from sim.scenario import Scenario, haversine_km

__all__ = ["Territory", "build_territory"]


@dataclass
class Territory:
    """Arrays describing regions (R), sectors (K), SEZs (Z) and clusters (C).

    Attributes:
        great_circle_km: (R, R) great-circle distances (scenario or haversine).
        road_km: (R, R) great-circle times the road factor.
        population: (R,) persons at the start year.
        labour_force: (R,) persons at the start year.
        mu: (K,) expenditure shares.
        labour_share: (K,) wage bill / turnover.
        world_demand: (K,) initial exports, million currency units per year.
        relatedness: (K, K) 1 where sectors are related (symmetric, zero diagonal).
        sez_region: (Z,) region index of each SEZ.
        sez_sectors: (Z, K) priority activities of each SEZ.
        sez_capacity: (Z,) participants the land holds.
        sez_infrastructure: (Z,) productivity gain of the zone's infrastructure.
        cluster_sector, cluster_region: (C,) each cluster's sector and anchor region.
        graph: networkx graph of regions (edge attribute ``km`` = road km).
    """

    great_circle_km: np.ndarray
    road_km: np.ndarray
    population: np.ndarray
    labour_force: np.ndarray
    mu: np.ndarray
    labour_share: np.ndarray
    world_demand: np.ndarray
    relatedness: np.ndarray
    sez_region: np.ndarray
    sez_sectors: np.ndarray
    sez_capacity: np.ndarray
    sez_infrastructure: np.ndarray
    cluster_sector: np.ndarray
    cluster_region: np.ndarray
    graph: nx.Graph


def build_territory(s: Scenario) -> Territory:
    """Turn a validated scenario into the territory arrays."""
    p = s.parameters
    ri, ki = s.region_index(), s.sector_index()
    n_r, n_k = len(s.regions), len(s.sectors)

    gc = np.zeros((n_r, n_r))
    for i, a in enumerate(s.regions):
        for j, b in enumerate(s.regions):
            if i != j:
                gc[i, j] = haversine_km(a.lat, a.lon, b.lat, b.lon)
    for d in s.distances:  # sourced distances take precedence over computed ones
        gc[ri[d.a], ri[d.b]] = gc[ri[d.b], ri[d.a]] = d.km
    road = gc * p.road_factor

    population = np.array([r.population for r in s.regions], dtype=float)
    labour = np.array(
        [r.labour_force or r.population * p.labour_force_share for r in s.regions], dtype=float
    )
    related = np.zeros((n_k, n_k))
    for sec in s.sectors:
        for other in sec.related:
            related[ki[sec.id], ki[other]] = related[ki[other], ki[sec.id]] = 1.0
    np.fill_diagonal(related, 0.0)

    sez_sectors = np.zeros((len(s.sezs), n_k), dtype=bool)
    for z, zone in enumerate(s.sezs):
        for sec in zone.sectors:
            sez_sectors[z, ki[sec]] = True

    graph = nx.Graph()
    for r in s.regions:
        graph.add_node(r.id, name=r.name, lat=r.lat, lon=r.lon, population=r.population)
    for i, a in enumerate(s.regions):
        for j in range(i + 1, n_r):
            graph.add_edge(a.id, s.regions[j].id, km=float(road[i, j]))

    return Territory(
        great_circle_km=gc,
        road_km=road,
        population=population,
        labour_force=labour,
        mu=np.array([x.expenditure_share for x in s.sectors]),
        # Core-periphery mode (docs/ODD.md 7.8): zero profit, the wage bill is the
        # variable cost (sigma - 1) / sigma of revenue, operating profit the fixed cost.
        labour_share=np.full(n_k, (p.sigma - 1.0) / p.sigma)
        if p.core_periphery
        else np.array([x.labour_share for x in s.sectors]),
        world_demand=np.array([x.world_demand for x in s.sectors]),
        relatedness=related,
        sez_region=np.array([ri[z.region] for z in s.sezs], dtype=np.int64),
        sez_sectors=sez_sectors,
        sez_capacity=np.array(
            [np.floor(z.area_ha / p.land_per_participant_ha) for z in s.sezs], dtype=float
        ),
        sez_infrastructure=np.array([z.infrastructure for z in s.sezs]),
        cluster_sector=np.array([ki[c.sector] for c in s.clusters], dtype=np.int64),
        cluster_region=np.array([ri[c.region] for c in s.clusters], dtype=np.int64),
        graph=graph,
    )
