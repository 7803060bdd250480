"""Krugman's (1991) core-periphery (CP) model with two regions (validation case).

Krugman (1991); Fujita, Krugman & Venables (1999, ch. 5, "FKV"); Baldwin, Forslid,
Martin, Ottaviano & Robert-Nicoud (2003), *Economic Geography and Public Policy*, ch. 2.
Mobile workers are the manufacturing labour; immobile farmers (half in each region)
produce the numeraire, traded freely. Manufactures are Dixit-Stiglitz varieties with
elasticity sigma, expenditure share mu and trade freeness phi = tau**(1 - sigma).
FKV's units: mu workers and 1 - mu farmers in all, a share lambda of the workers in A,
the number of varieties in r equal to r's share of workers, mill price = wage.

Short-run equilibrium at a given lambda (labels C1-C4 of docs/validation.md):

    Y_r = mu lambda_r w_r + (1 - mu) / 2                          (C1) income
    G_r**(1 - sigma) = sum_s phi_rs lambda_s w_s**(1 - sigma)      (C2) price index
    w_r**sigma = sum_s phi_rs Y_s G_s**(sigma - 1)                 (C3) wage equation
    omega_r = w_r G_r**(-mu)                                       (C4) real wage

with phi_rr = 1, phi_AB = phi. The wage equations are implicit and solved numerically.
Long run: workers move toward the higher real wage (:mod:`sim.economy.migration`).
Notation: rho = (sigma - 1) / sigma; the no-black-hole condition is mu < rho, i.e.
sigma (1 - mu) > 1.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import brentq

from sim.economy.migration import migrate

__all__ = [
    "ShortRun",
    "adjustment_limit",
    "break_point",
    "check_parameters",
    "equilibria",
    "gap_slope_at_symmetry",
    "real_wage_gap",
    "short_run_equilibrium",
    "simulate",
    "sustain_condition",
    "sustain_point",
    "tomahawk",
]


class ShortRun(NamedTuple):
    """Short-run equilibrium of the CP model at a given share of workers in A.

    Each field is a float or an array shaped like the share passed in.
    """

    wage_a: np.ndarray
    wage_b: np.ndarray
    price_a: np.ndarray
    price_b: np.ndarray
    real_wage_a: np.ndarray
    real_wage_b: np.ndarray

    @property
    def gap(self) -> np.ndarray:
        """omega_A - omega_B: workers move toward A where positive."""
        return self.real_wage_a - self.real_wage_b


def check_parameters(sigma: float, mu: float) -> None:
    """Raise ValueError unless sigma > 1, 0 < mu < 1 and sigma (1 - mu) > 1.

    sigma (1 - mu) > 1 is the no-black-hole condition (Fujita, Krugman & Venables 1999): without it
    the forward and backward linkages are so strong that agglomeration is stable at every
    trade freeness and the break point does not exist.
    """
    if not sigma > 1.0:
        raise ValueError(f"sigma must exceed 1 (sigma={sigma})")
    if not 0.0 < mu < 1.0:
        raise ValueError(f"mu must lie in (0, 1) (mu={mu})")
    if not sigma * (1.0 - mu) > 1.0:
        raise ValueError(
            f"no-black-hole condition sigma * (1 - mu) > 1 fails (sigma={sigma}, mu={mu}): "
            "agglomeration would be stable at every trade freeness"
        )


# ---------------------------------------------------------------- short run (C1-C4)
def short_run_equilibrium(
    share: float | np.ndarray,
    phi: float,
    sigma: float,
    mu: float,
    *,
    tol: float = 1e-14,
    max_iter: int = 100_000,
) -> ShortRun:
    """Nominal wages, price indices and real wages at worker share ``share`` in A (C1-C4).

    The wage equations (C3) are solved by Newton's method from w_A = w_B = 1, vectorised
    over ``share``, falling back to FKV's (1999, ch. 5) fixed-point iteration on the
    wages should Newton fail. Corners are allowed: at share 1 the wage of B is the
    wage a firm deviating to the empty region could pay (Krugman 1991).

    Args:
        share: lambda, share of the mobile workers in A, in [0, 1] (float or array).
        phi: trade freeness in (0, 1].
        sigma: elasticity of substitution, > 1.
        mu: expenditure share of manufactures, in (0, 1).
        tol: largest change of a log wage (Newton) or wage (fallback) at convergence.
        max_iter: fixed-point iterations (fallback) before RuntimeError.

    Returns:
        :class:`ShortRun` with the wages w_r, price indices G_r and real wages omega_r.
    """
    lam = np.asarray(share, dtype=float)
    if np.any((lam < 0) | (lam > 1)):
        raise ValueError("share must lie in [0, 1]")
    if not 0.0 < phi <= 1.0:
        raise ValueError(f"phi must lie in (0, 1] (phi={phi})")
    wa, wb = _solve_wages(lam, phi, sigma, mu, tol, max_iter)
    ga, gb = _price_indices(lam, wa, wb, phi, sigma)
    price_a, price_b = ga ** (1 / (1 - sigma)), gb ** (1 / (1 - sigma))
    real_a, real_b = wa * price_a**-mu, wb * price_b**-mu  # (C4)
    if np.ndim(share) == 0:
        return ShortRun(*(float(x) for x in (wa, wb, price_a, price_b, real_a, real_b)))
    return ShortRun(wa, wb, price_a, price_b, real_a, real_b)


def _solve_wages(lam, phi, sigma, mu, tol, max_iter):
    """Wages solving (C3): Newton's method in log wages, fixed-point iteration as fallback.

    Newton runs on H_r = sigma ln w_r - ln S_r, S_r = sum_s phi_rs Y_s / D_s,
    D_s = G_s**(1 - sigma) (C2), whose Jacobian in x = ln w is
    dH_r/dx_t = sigma [r = t] - w_t dS_r/dw_t / S_r with
    dS_r/dw_t = phi_rt mu lambda_t / D_t
    - (1 - sigma) lambda_t w_t**(-sigma) sum_s phi_rs phi_st Y_s / D_s**2.
    (The logs matter: Newton on w**sigma - S itself can diverge near autarky.)
    """
    xa, xb = np.zeros_like(lam), np.zeros_like(lam)
    with np.errstate(all="ignore"):  # a diverging start shows as non-finite; see below
        for _ in range(60):  # quadratic convergence from w = 1, a handful of steps
            wa, wb = np.exp(xa), np.exp(xb)
            da, db = _price_indices(lam, wa, wb, phi, sigma)
            ya, yb = mu * lam * wa + (1 - mu) / 2, mu * (1 - lam) * wb + (1 - mu) / 2  # (C1)
            sa, sb = ya / da + phi * yb / db, phi * ya / da + yb / db
            ha, hb = sigma * xa - np.log(sa), sigma * xb - np.log(sb)
            qa, qb = ya / da**2, yb / db**2
            ka, kb = (1 - sigma) * lam * wa**-sigma, (1 - sigma) * (1 - lam) * wb**-sigma
            ds_aa = mu * lam / da - ka * (qa + phi * phi * qb)
            ds_ab = phi * mu * (1 - lam) / db - kb * phi * (qa + qb)
            ds_ba = phi * mu * lam / da - ka * phi * (qa + qb)
            ds_bb = mu * (1 - lam) / db - kb * (phi * phi * qa + qb)
            jaa, jab = sigma - wa * ds_aa / sa, -wb * ds_ab / sa
            jba, jbb = -wa * ds_ba / sb, sigma - wb * ds_bb / sb
            det = jaa * jbb - jab * jba
            step_a, step_b = (jbb * ha - jab * hb) / det, (jaa * hb - jba * ha) / det
            step_a, step_b = np.clip(step_a, -1.0, 1.0), np.clip(step_b, -1.0, 1.0)
            xa, xb = xa - step_a, xb - step_b
            if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(xb))):
                break
            if max(np.max(np.abs(step_a)), np.max(np.abs(step_b))) < tol:
                return np.exp(xa), np.exp(xb)
    # Fallback: FKV's (1999, ch. 5) fixed-point iteration on (C3) from w = 1.
    wa, wb = np.ones_like(lam), np.ones_like(lam)
    for _ in range(max_iter):
        da, db = _price_indices(lam, wa, wb, phi, sigma)
        ya, yb = mu * lam * wa + (1 - mu) / 2, mu * (1 - lam) * wb + (1 - mu) / 2
        new_a = (ya / da + phi * yb / db) ** (1 / sigma)  # (C3): G**(sigma - 1) = 1 / D
        new_b = (phi * ya / da + yb / db) ** (1 / sigma)
        change = max(np.max(np.abs(new_a - wa)), np.max(np.abs(new_b - wb)))
        wa, wb = new_a, new_b
        if change < tol:
            return wa, wb
    raise RuntimeError(f"wage equations did not converge in {max_iter} iterations")


def _price_indices(lam, wa, wb, phi, sigma):
    """G_A**(1 - sigma), G_B**(1 - sigma) (C2)."""
    ta, tb = lam * wa ** (1 - sigma), (1 - lam) * wb ** (1 - sigma)
    return ta + phi * tb, phi * ta + tb


def real_wage_gap(share: float | np.ndarray, phi: float, sigma: float, mu: float):
    """omega_A - omega_B at worker share ``share`` in A; its sign drives migration."""
    return short_run_equilibrium(share, phi, sigma, mu).gap


# ---------------------------------------------------------------- break and sustain (C5, C6)
def break_point(sigma: float, mu: float) -> float:
    """phi_B: above it the symmetric equilibrium lambda = 1/2 is unstable (C5).

        phi_B = (rho - mu)(1 - mu) / ((rho + mu)(1 + mu)),  rho = (sigma - 1) / sigma,
              = (sigma - 1 - sigma mu)(1 - mu) / ((sigma - 1 + sigma mu)(1 + mu)).

    FKV (1999, ch. 5) write it as T(B)**(sigma - 1) = (rho + mu)(1 + mu) /
    ((rho - mu)(1 - mu)); Baldwin et al. (2003, ch. 2) give the same in phi. It is the
    phi at which d(omega_A - omega_B)/d lambda at 1/2 changes sign (checked numerically
    by :func:`gap_slope_at_symmetry` in tests/test_core_periphery.py).

    Raises:
        ValueError: unless sigma (1 - mu) > 1 (no black hole), :func:`check_parameters`.
    """
    check_parameters(sigma, mu)
    return (sigma - 1 - sigma * mu) * (1 - mu) / ((sigma - 1 + sigma * mu) * (1 + mu))


def sustain_condition(phi: float, sigma: float, mu: float) -> float:
    """Log of (omega_B / omega_A)**sigma at the core lambda = 1 (C6); < 0: core sustained.

    At lambda = 1: w_A = 1, G_A = 1, G_B = phi**(1 / (1 - sigma)), and (C3) gives
    w_B**sigma = (1 + mu) / 2 * phi + (1 - mu) / (2 phi), so

        (omega_B / omega_A)**sigma = phi**(sigma mu / (sigma - 1))
                                     * ((1 + mu) / 2 * phi + (1 - mu) / (2 phi))   (C6)

    (Krugman 1991, section IV; FKV 1999, ch. 5). In logs for accuracy near phi = 0.
    """
    x = np.log(phi)
    a = sigma * mu / (sigma - 1)
    return float(a * x + np.logaddexp(np.log((1 + mu) / 2) + x, np.log((1 - mu) / 2) - x))


def sustain_point(sigma: float, mu: float) -> float:
    """phi_S: full agglomeration (the core) is stable for phi >= phi_S (C6 = 0).

    Root of :func:`sustain_condition` in (0, phi_B), by brentq on x = ln phi. The
    bracket: with a = sigma mu / (sigma - 1) < 1 (no black hole) the condition is at
    least (a - 1) x + ln((1 - mu) / 2), positive at x_lo = ln((1 - mu) / 2) / (1 - a) - 1;
    it is negative at phi_B (sustain lies below break: the CP hysteresis band).

    Raises:
        ValueError: unless sigma (1 - mu) > 1.
    """
    check_parameters(sigma, mu)
    a = sigma * mu / (sigma - 1)
    x_lo = np.log((1 - mu) / 2) / (1 - a) - 1.0
    x_hi = np.log(break_point(sigma, mu))

    def condition(x: float) -> float:
        return sustain_condition(np.exp(x), sigma, mu)

    if not condition(x_lo) > 0 > condition(x_hi):
        raise RuntimeError(f"sustain point not bracketed (sigma={sigma}, mu={mu})")
    return float(np.exp(brentq(condition, x_lo, x_hi, xtol=1e-15, rtol=1e-15)))


def gap_slope_at_symmetry(phi: float, sigma: float, mu: float, step: float = 1e-4) -> float:
    """d(omega_A - omega_B)/d lambda at lambda = 1/2 by a central difference.

    Negative: the symmetric equilibrium is stable (a worker moving to A lowers A's real
    wage relative to B's); positive: unstable. Changes sign at phi_B (C5).
    """
    gaps = real_wage_gap(np.array([0.5 - step, 0.5 + step]), phi, sigma, mu)
    return float((gaps[1] - gaps[0]) / (2 * step))


# ---------------------------------------------------------------- long run
def equilibria(phi: float, sigma: float, mu: float, grid: int = 401) -> list[tuple[float, bool]]:
    """Every long-run equilibrium share of workers in A, with its stability.

    Rest points of migration toward the higher real wage (L2): the symmetric point 1/2,
    interior roots of the real-wage gap (sign changes on a grid of ``grid`` points over
    [1/2, 1], refined with brentq, mirrored by the model's symmetry
    gap(1 - lambda) = -gap(lambda)) and the corners. An interior root is stable when the
    gap falls through it; the core lambda = 1 is stable when gap(1) > 0, i.e. phi > phi_S.

    Returns:
        [(share, stable), ...] sorted by share: (0, 1/2, 1) below phi_S and above phi_B,
        five points (two unstable interior ones) between them.
    """
    check_parameters(sigma, mu)
    xs = np.linspace(0.5, 1.0, grid)
    values = real_wage_gap(xs, phi, sigma, mu)
    values[0] = 0.0  # exact by symmetry

    def gap(s: float) -> float:
        return real_wage_gap(s, phi, sigma, mu)

    # 1/2 is stable when the gap just above it is negative.
    out = [(0.5, bool(values[1] < 0)), (1.0, bool(values[-1] > 0))]
    for i in range(1, grid - 1):
        lo, hi = values[i], values[i + 1]
        if lo * hi < 0:
            root = float(brentq(gap, xs[i], xs[i + 1], xtol=1e-14))
            out.append((root, bool(lo > 0 > hi)))
    mirrored = [(1.0 - s, ok) for s, ok in out if s > 0.5]
    return sorted(out + mirrored)


def adjustment_limit(share0: float, phi: float, sigma: float, mu: float) -> float:
    """The equilibrium that migration toward the higher real wage reaches from ``share0``.

    Workers move toward the region with the higher real wage, so lambda rises to the
    nearest equilibrium above ``share0`` when the gap is positive, falls to the nearest
    one below when negative, and stays when it is zero (an equilibrium) or when it
    pushes against a corner. Under L2 an unstable corner is left: from lambda = 1 at
    phi < phi_S workers return to the periphery.
    """
    g = real_wage_gap(share0, phi, sigma, mu)
    if abs(g) < 1e-13:
        return float(share0)
    points = [s for s, _ in equilibria(phi, sigma, mu)]
    if g > 0:
        return min((s for s in points if s > share0), default=float(share0))
    return max((s for s in points if s < share0), default=float(share0))


def tomahawk(phis: np.ndarray, sigma: float, mu: float, grid: int = 401) -> list[dict]:
    """Equilibria for each phi of ``phis``: the tomahawk diagram (Baldwin et al. 2003, ch. 2).

    Returns:
        Rows dict(phi, share, stable), one per equilibrium per phi.
    """
    return [
        dict(phi=float(phi), share=s, stable=ok)
        for phi in phis
        for s, ok in equilibria(float(phi), sigma, mu, grid)
    ]


def simulate(
    share0: float,
    phi: float,
    sigma: float,
    mu: float,
    *,
    migration_rate: float = 0.5,
    migration_cost: float = 0.0,
    years: int = 5000,
    tol: float = 1e-12,
) -> np.ndarray:
    """Deterministic two-region CP simulation: short-run equilibrium, then migration.

    Each year: solve C1-C4 at lambda_t, then move workers by the expected flows of L2
    (:func:`sim.economy.migration.migrate` on (lambda_t, 1 - lambda_t)). Stops when the
    share moves by less than ``tol`` in a year or after ``years`` years.

    The yearly step is a discretisation of the continuous dynamics, so its rest points
    are the CP equilibria but a large ``migration_rate`` can overshoot them. Near
    lambda = 1/2 the step multiplies lambda - 1/2 by 1 + migration_rate * g' / 2, g' the
    slope of the relative real-wage gap, which tends to -4 (1 - mu) + 4 mu / (sigma - 1)
    > -4 as phi -> 0 (autarky: omega_r = (2 lambda_r)**(mu - 1) lambda_r**(mu / (sigma - 1))).
    A rate of at most 1 keeps that multiplier above -1, 1/2 keeps it positive; with 2 the
    step cycles around 1/2 near autarky.

    Returns:
        The path lambda_0, lambda_1, ..., the last entry the long-run share.
    """
    check_parameters(sigma, mu)
    path = [float(share0)]
    workers = np.array([share0, 1.0 - share0])
    for _ in range(years):
        sr = short_run_equilibrium(workers[0], phi, sigma, mu)
        omega = np.array([sr.real_wage_a, sr.real_wage_b])
        workers = migrate(workers, omega, migration_rate, migration_cost)
        workers = np.clip(workers, 0.0, None) / workers.sum()  # rounding only
        path.append(float(workers[0]))
        if abs(path[-1] - path[-2]) < tol:
            break
    return np.array(path)
