"""Design points over named parameters: grid, Latin hypercube, Sobol, Morris.

Every sampler has the same shape: ``sample(design) -> list of {name: value}``. The
sampled methods use SALib (Herman & Usher 2017) so that its analysers can read the
same matrix back.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from sim.experiments.spec import Design

__all__ = ["salib_problem", "sample", "sample_matrix"]


def salib_problem(design: Design) -> dict[str, Any]:
    """The SALib problem dict of a sampled design."""
    names = list(design.parameters)
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [[design.parameters[n].low, design.parameters[n].high] for n in names],
    }


def sample_matrix(design: Design) -> np.ndarray:
    """(points, parameters) matrix of a sampled design (LHS, Sobol or Morris)."""
    problem = salib_problem(design)
    if design.type == "latin_hypercube":
        from SALib.sample import latin

        return latin.sample(problem, design.samples, seed=design.seed)
    if design.type == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, design.samples, calc_second_order=False, seed=design.seed)
    if design.type == "morris":
        from SALib.sample import morris

        return morris.sample(problem, design.samples, num_levels=design.levels, seed=design.seed)
    raise ValueError(f"{design.type!r} is not a sampled design")


def sample(design: Design) -> list[dict[str, Any]]:
    """The design points, in a fixed order (the run ids depend on it)."""
    if design.type == "none":
        return [{}]
    names = list(design.parameters)
    if design.type == "grid":
        values = [design.parameters[n].values for n in names]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]
    matrix = sample_matrix(design)
    return [{n: float(v) for n, v in zip(names, row, strict=True)} for row in matrix]
