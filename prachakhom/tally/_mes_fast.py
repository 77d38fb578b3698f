"""A float-only MES run that either proves its outcome is the exact one, or gives up.

Used by the add1 completion, which runs MES once per +1 step (hundreds of times): each step first
runs here, in float64 numpy, and only when a decision is too close to call is the step re-run with
the exact rational code (`equal_shares._run_mes`). The outcome finally reported is always recomputed
exactly.

Why a certified run equals the exact run (floats filter, they never decide):

* ``E`` is a proven bound on |b̃_g − b_g| for every group g, where b̃ is the float money and b the exact
  money of the exact run that has made the same choices so far. It starts at the rounding of the share
  (plus ``share_err``). Paying is b ← max(b − ρ·u, 0), which is 1-Lipschitz in b and in ρ·u, so after a
  round with the exact ρ proven to lie in [lo, hi] and paid in floats at some ρ̃ in that interval,
  E grows by (hi − lo)·max u plus the rounding of one multiplication and one subtraction (both
  bounded by ε times the largest amount involved). E only adds up, it never compounds.
* For a project j, F_j(x) = Σ_g w_g · min(b_g, x · u_g) is nondecreasing in x and its exact ρ_j is the
  smallest x with F_j(x) = cost_j. In floats, |F̃_j(x) − F_j(x)| ≤ E · W_maybe(x) + R, where W_maybe is
  the weight of supporters that might be capped at x (b̃ ≤ x·u + E; for the others both sides equal x·u)
  and R bounds the rounding of the dot product (k+3)·ε·Σ|terms|. Hence
  ``F̃(x) + err < cost`` proves ρ_j > x and ``F̃(x) − err > cost`` proves ρ_j ≤ x; affordability
  (Σ w·b ≥ cost) is proven the same way with err = E·W + R.
* A round is certified when the float-cheapest project j* has ρ_j* ≤ hi proven and every other project
  has ρ_j > hi proven (evaluated ones by the test above at their own lo_j ≥ hi, the others by a lower
  bound proven in an earlier round — MES prices only grow, since money only shrinks). Projects that
  are exactly tied are common (ρ = cost / Σ w·u whenever nobody is capped); when every supporter of
  every close project is proven uncapped at that price, their exact ρ are those fractions and the tie
  is decided exactly with the same tie-breaking key as the exact run. Any other close call (a close
  affordability test, overlapping intervals with capped supporters, no uncapped supporter) returns
  None, and the caller runs the exact code for that step.

So a non-None result is the exact sequence of selected projects; only the order of operations
differs from the exact run.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from prachakhom.tally.equal_shares import _Prepared

EPS = 2.0 ** -52  # twice the unit round-off: generous


def certified_run(prep: _Prepared, active: list[int], share: Fraction, share_err: float,
                  order_key: list[tuple[object, ...]]) -> list[int] | None:
    """The projects MES selects (in order) with every voter's money starting within `share_err`
    of `share`, or None when floats cannot prove every decision."""
    s = float(share)
    b = np.full(prep.groups, s)
    err_b = np.full(prep.groups, share_err + EPS * s)   # |b̃_g − b_g| ≤ err_b[g]
    top = s + share_err + EPS * s                       # no money ever exceeds this
    costs = prep.costs
    lower: dict[int, float] = {}
    for j in active:
        lower[j] = costs[j] / prep.total_util[j] * (1 - 4 * EPS)
    selected: list[int] = []
    while lower:
        cand: dict[int, float] = {}
        best = math.inf
        for j in sorted(lower, key=lower.__getitem__):
            if lower[j] > best * (1 + 1e-7):
                break
            idx = prep.idx[j]
            bj, w, u = b[idx], prep.wf[j], prep.uf[j]
            cost = float(costs[j])
            avail = float(bj @ w)
            err = float(err_b[idx] @ w) + (len(idx) + 3) * EPS * (avail + cost)
            if avail + err < cost:
                del lower[j]
                continue
            if avail - err <= cost:
                return None
            u0 = prep.uniform[j]
            rho = (_float_rho_uniform(bj, w, u0, cost, prep.wsum[j]) if u0 else
                   _float_rho(bj, w, u, cost, prep.total_util_f[j]))
            if rho is None:
                return None
            cand[j] = rho
            best = min(best, rho)
        if not cand:
            break
        chosen = min(cand, key=cand.__getitem__)
        rho = cand[chosen]
        bracket = _bracket(prep, b, err_b, chosen, rho)
        if bracket is None:
            return None
        lo, hi = bracket
        close = [chosen]
        for j, r in cand.items():
            if j == chosen:
                continue
            proven = _prove_above(prep, b, err_b, j, r, hi)
            if proven is None:
                close.append(j)
            else:
                lower[j] = proven
        for j, low in lower.items():
            if j not in cand and low <= hi:
                return None
        if len(close) > 1:
            exact = _exact_if_uncapped(prep, b, err_b, close)
            if exact is None:
                return None
            chosen = min(close, key=lambda k: (exact[k], order_key[k]))
            r_exact = exact[chosen]
            rho = float(r_exact)
            lo, hi = rho * (1 - 2 * EPS), rho * (1 + 2 * EPS)
            for j in close:
                if j != chosen:
                    if exact[j] == r_exact:
                        lower[j] = rho * (1 - 4 * EPS)   # tied but lost: still a candidate next round
                    else:
                        lower[j] = float(exact[j]) * (1 - 4 * EPS)
        idx = prep.idx[chosen]
        u = prep.uf[chosen]
        bj, ej = b[idx], err_b[idx]
        b[idx] = np.maximum(bj - rho * u, 0.0)
        # surely capped: exact and float money are both exactly 0 afterwards
        err_b[idx] = np.where(bj + ej < lo * u * (1 - 2 * EPS), 0.0,
                              ej + (hi - lo) * u + 2 * EPS * (top + hi * u))
        selected.append(chosen)
        del lower[chosen]
    return selected


def _float_rho(b: np.ndarray, w: np.ndarray, u: np.ndarray, cost: float, util: float) -> float | None:
    """Smallest ρ with Σ w·min(b, ρu) = cost (affordable project), by the monotone fixed point
    ρ ← (cost − Σ_capped w·b) / Σ_uncapped w·u, which only grows and stops when the capped set does."""
    rho = cost / util
    count = -1
    for _ in range(64):
        capped = b < rho * u
        c = int(np.count_nonzero(capped))
        if c == 0:
            return rho
        if c == count:
            return rho
        count = c
        unc = util - float(u[capped] @ w[capped])
        if unc <= 0:
            return None
        new = (cost - float(b[capped] @ w[capped])) / unc
        if new <= rho:
            return rho
        rho = new
    return None


def _float_rho_uniform(b: np.ndarray, w: np.ndarray, u: float, cost: float, weight: float) -> float | None:
    """`_float_rho` when every supporter has the same utility u (cost and cardinality utilities)."""
    t = cost / weight                      # what each supporter pays if nobody is capped
    count = -1
    for _ in range(64):
        capped = b < t
        c = int(np.count_nonzero(capped))
        if c == 0 or c == count:
            return t / u
        count = c
        wc = w[capped]
        unc = weight - float(wc.sum())
        if unc <= 0:
            return None
        new = (cost - float(b[capped] @ wc)) / unc
        if new <= t:
            return t / u
        t = new
    return None


def _check(prep: _Prepared, b: np.ndarray, err_b: np.ndarray, j: int, x: float) -> tuple[float, float]:
    """F̃_j(x) and a proven bound on |F̃_j(x) − F_j(x)|."""
    idx = prep.idx[j]
    bj, w, u = b[idx], prep.wf[j], prep.uf[j]
    pay = x * u
    f = float(np.minimum(bj, pay) @ w)
    ej = err_b[idx]
    maybe = float(ej[bj <= pay * (1 + 2 * EPS) + ej] @ w[bj <= pay * (1 + 2 * EPS) + ej])
    return f, maybe + (len(idx) + 3) * EPS * (float(bj @ w) + x * prep.total_util_f[j] + prep.costs[j])


def _bracket(prep: _Prepared, b: np.ndarray, err_b: np.ndarray, j: int, rho: float) -> tuple[float, float] | None:
    """(lo, hi) around the float ρ with lo < ρ_j ≤ hi proven, or None. The half-width is the float
    error over the slope of F_j (the utility of the supporters surely not capped), so that the money
    error bound grows as little as the perturbation analysis allows."""
    cost = prep.costs[j]
    idx = prep.idx[j]
    bj, w, u = b[idx], prep.wf[j], prep.uf[j]
    f, e = _check(prep, b, err_b, j, rho)
    slope = float((bj > rho * u * (1 + 2 * EPS) + err_b[idx]) @ (w * u))
    if slope <= 0:
        return None
    delta = 1.05 * (e + abs(f - cost)) / slope + 4 * EPS * rho
    for _ in range(3):
        lo, hi = rho - delta, rho + delta
        f_lo, e_lo = _check(prep, b, err_b, j, lo)
        f_hi, e_hi = _check(prep, b, err_b, j, hi)
        if f_lo + e_lo < cost and f_hi - e_hi > cost:
            return lo, hi
        delta *= 2
    return None


def _prove_above(prep: _Prepared, b: np.ndarray, err_b: np.ndarray, j: int, rho: float, hi: float) -> float | None:
    """A proven lower bound on ρ_j that is > hi (tried just below the float ρ_j), or None."""
    if rho <= hi:
        return None
    x = max(hi, rho * (1 - 1e-9))
    f, e = _check(prep, b, err_b, j, x)
    if f + e < prep.costs[j]:
        return x
    if x > hi:
        f, e = _check(prep, b, err_b, j, hi)
        if f + e < prep.costs[j]:
            return hi
    return None


def _exact_if_uncapped(prep: _Prepared, b: np.ndarray, err_b: np.ndarray, close: list[int]) -> dict[int, Fraction] | None:
    """Exact ρ of each close project when every supporter is proven able to pay its full share
    (then ρ = cost / Σ w·u exactly), else None."""
    exact: dict[int, Fraction] = {}
    for j in close:
        r = Fraction(prep.costs[j], prep.total_util[j])
        idx = prep.idx[j]
        if not bool(np.all(b[idx] - err_b[idx] > float(r) * (1 + 4 * EPS) * prep.uf[j])):
            return None
        exact[j] = r
    return exact
