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
  smallest x with F_j(x) = cost_j. Since min is monotone, Σ w·min(b̃ − E, x·u) ≤ F_j(x) ≤
  Σ w·min(b̃ + E, x·u) (only supporters that may be capped at x carry any error), and the float
  rounding of either sum is at most (k+3)·ε·Σ w·(b̃ + E + x·u) (`_Eval.lower`, `_Eval.upper`). Hence
  a proven upper bound < cost proves ρ_j > x and a proven lower bound > cost proves ρ_j < x;
  affordability (Σ w·b ≥ cost) is proven the same way with err = Σ w·E + rounding.
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

import heapq
import math
from fractions import Fraction
from itertools import chain
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
    lower = np.full(len(costs), math.inf)               # proven lower bounds on ρ (inf: out)
    act = np.asarray(active, dtype=np.int64)
    if len(act):
        lower[act] = prep.static_lower[act]
    selected: list[int] = []
    while True:
        # Lazy search for the float-cheapest project: candidates enter in the order of their proven
        # lower bounds; a heap keeps, per evaluated candidate, its fixed-point iterate (which only
        # grows towards its ρ); only the smallest one is iterated further, until a finished one is
        # the smallest (and no unevaluated project's lower bound is within 1e-7 of it).
        order = np.argsort(lower).tolist()
        pos, n_order = 0, len(order)
        heap: list[tuple[float, int]] = []
        evs: dict[int, _Eval] = {}
        chosen = -1
        while True:
            nb = lower[order[pos]] if pos < n_order else math.inf
            if heap:
                tb, tj = heap[0]
                top_ev = evs[tj]
                if top_ev.done and nb > tb * (1 + 1e-7):
                    chosen = tj
                    break
                if nb >= tb and not top_ev.done:
                    r = top_ev.step()
                    if r is None:
                        return None
                    heapq.heapreplace(heap, (r, tj))
                    continue
            if nb == math.inf:
                break
            j = order[pos]
            pos += 1
            ev = _Eval(prep, b, err_b, j)
            cost = ev.cost
            if ev.avail + ev.err_avail < cost:          # surely unaffordable: out for good
                lower[j] = math.inf
                continue
            if ev.avail - ev.err_avail <= cost:
                return None
            r = ev.start(nb)
            if r is None:
                return None
            evs[j] = ev
            heapq.heappush(heap, (r, j))
        if chosen < 0:
            break
        cand: dict[int, tuple[float, _Eval]] = {}
        for r, j in heap:
            cand[j] = (r, evs[j])
        rho, ev = cand[chosen]
        bracket = ev.bracket(rho)
        if bracket is None:
            return None
        lo, hi = bracket
        close = [chosen]
        proven_low: dict[int, float] = {}
        for j, (r, other) in cand.items():
            if j == chosen:
                continue
            while not other.done and r <= hi * (1 + 1e-7):   # an iterate, not yet its float ρ
                step = other.step()
                if step is None:
                    return None
                r = step
            proven = other.prove_above(r, hi)
            if proven is None:
                close.append(j)
            else:
                proven_low[j] = proven
        kept = {j: float(lower[j]) for j in close if j != chosen}   # still valid: prices only grow
        lower[list(cand)] = math.inf
        if lower.min() <= hi:          # a project not evaluated this round might be as cheap
            return None
        for j, low in chain(proven_low.items(), kept.items()):
            lower[j] = low
        if len(close) > 1:
            exact = _exact_if_uncapped(prep, [cand[j][1] for j in close])
            if exact is None:
                return None
            chosen = min(close, key=lambda k: (exact[k], order_key[k]))
            ev = cand[chosen][1]
            r_exact = exact[chosen]
            rho = float(r_exact)
            lo, hi = rho * (1 - 2 * EPS), rho * (1 + 2 * EPS)
            lower[chosen] = math.inf
            for j in close:
                if j != chosen:
                    if exact[j] == r_exact:
                        lower[j] = rho * (1 - 4 * EPS)   # tied but lost: still a candidate next round
                    else:
                        lower[j] = float(exact[j]) * (1 - 4 * EPS)
        idx, bj, ej = ev.idx, ev.b, ev.e
        pay = rho * ev.u
        b[idx] = np.maximum(bj - pay, 0.0)
        # surely capped: exact and float money are both exactly 0 afterwards
        err_b[idx] = np.where(bj + ej < lo * ev.u * (1 - 2 * EPS), 0.0,
                              ej + (hi - lo) * ev.u + 2 * EPS * (top + hi * ev.u))
        selected.append(chosen)
    return selected


class _Eval:
    """One project's supporters' float money and error bounds in one round, gathered once.

    `u` is the utility: a float when every supporter has the same (cost, cardinality), else the
    per-supporter array. F_j(x) = Σ w·min(b, x·u) is bounded below by Σ w·min(b̃ − e, x·u) and above by
    Σ w·min(b̃ + e, x·u) (min is monotone), and the float rounding of either sum is at most
    (k+3)·ε·Σ w·(b̃ + e + x·u) = `_round(x)`."""

    __slots__ = ("j", "idx", "b", "e", "w", "u", "cost", "avail", "err_avail", "weight", "util", "_r0", "_k", "_capped", "done", "_t", "_rows", "_steps")

    def __init__(self, prep: _Prepared, b: np.ndarray, err_b: np.ndarray, j: int) -> None:
        self.j = j
        self.idx = idx = prep.idx[j]
        self.b = bj = b[idx]
        self.e = ej = err_b[idx]
        self.w = w = prep.wf[j]
        u0 = prep.uniform[j]
        self.u = u0 if u0 else prep.uf[j]
        self.cost = float(prep.costs[j])
        self.weight = prep.wsum[j]
        self.util = prep.total_util_f[j]
        self.avail = avail = _dot(bj, w)
        esum = _dot(ej, w)
        self._k = (len(idx) + 3) * EPS
        self._r0 = self._k * (avail + esum)
        self._capped: tuple[float, float] | None = None   # Σ w, Σ w·e over the capped, at the float ρ
        self.err_avail = esum * (1 + self._k) + self._k * (avail + self.cost)

    def _round(self, x: float) -> float:
        return self._r0 + self._k * x * self.util

    def upper(self, x: float) -> float:
        """A proven upper bound on F_j(x)."""
        return _dot(np.minimum(self.b + self.e, x * self.u), self.w) + self._round(x)

    def lower(self, x: float) -> float:
        """A proven lower bound on F_j(x)."""
        return _dot(np.minimum(self.b - self.e, x * self.u), self.w) - self._round(x)

    def start(self, low: float) -> float | None:
        """Start the float estimate of the smallest ρ with Σ w·min(b, ρu) = cost (an affordable
        project): the monotone fixed point ρ ← (cost − Σ_capped w·b) / Σ_uncapped w·u grows from
        `low` (a proven lower bound on ρ) and every iterate stays below ρ (it is where the line
        Σ_capped w·b + ρ·Σ_uncapped w·u ≥ F_j reaches the cost). Returns the first value; `step`
        goes on, `done` tells when it has converged. Per-supporter utilities converge at once."""
        bj, w = self.b, self.w
        self.done = False
        if isinstance(self.u, float):
            self._t = max(self.cost / self.weight, low * self.u)   # what each supporter pays
            rows = np.empty((3, len(w)))            # one product: Σ_capped w, Σ_capped w·b, Σ_capped w·e
            rows[0] = w
            np.multiply(bj, w, out=rows[1])
            np.multiply(self.e, w, out=rows[2])
            self._rows = rows
            self._steps = 0
            return self._t / self.u
        self.done = True
        return _float_rho(bj, w, self.u, self.cost, self.util, low)

    def step(self) -> float | None:
        """One fixed-point step (uniform utility): the next iterate, or None if it cannot go on."""
        t, u0 = self._t, float(self.u)
        wc, bc, ec = _sums(self._rows, self.b < t)
        self._steps += 1
        if wc == 0:
            self._capped, self.done = (0.0, 0.0), True
            return t / u0
        unc = self.weight - wc
        if unc <= 0 or self._steps > 64:
            return None
        new = (self.cost - bc) / unc
        if new <= t:
            self._capped, self.done = (wc, ec), True
            return t / u0
        self._t = new
        return new / u0

    def bracket(self, rho: float) -> tuple[float, float] | None:
        """(lo, hi) around the float ρ with lo < ρ_j ≤ hi proven (F_j(lo) < cost ≤ F_j(hi)), or None.
        The half-width is the float error over the slope of F_j (the utility of the supporters not
        capped), so that the money error bound grows as little as the perturbation analysis allows."""
        if self._capped is not None:                # uniform utility: known from the fixed point
            wc, ec = self._capped
            slope = (self.weight - wc) * float(self.u)
            f_err = ec + self._round(rho)
        else:
            pay = rho * self.u
            slope = _dot(self.w * self.u, (self.b >= pay).astype(np.float64))
            f_err = _dot(self.e * self.w, (self.b <= pay + self.e).astype(np.float64)) + self._round(rho)
        if slope <= 0:
            return None
        delta = 2.0 * f_err / slope + 8 * EPS * rho
        cost = self.cost
        for _ in range(4):
            lo, hi = rho - delta, rho + delta
            if self.upper(lo) < cost and self.lower(hi) > cost:
                return lo, hi
            delta *= 4
        return None

    def prove_above(self, rho: float, hi: float) -> float | None:
        """A proven lower bound on ρ_j that is > hi (tried just below the float ρ_j), or None."""
        if rho <= hi:
            return None
        x = max(hi, rho * (1 - 1e-9))
        if self.upper(x) < self.cost:
            return x
        if x > hi and self.upper(hi) < self.cost:
            return hi
        return None


def _float_rho(b: np.ndarray, w: np.ndarray, u: np.ndarray, cost: float, util: float,
               low: float) -> float | None:
    """`_Eval.float_rho` for per-supporter utilities (points)."""
    rho = max(cost / util, low)
    count = -1
    for _ in range(64):
        capped = b < rho * u
        c = int(np.count_nonzero(capped))
        if c == 0:
            return rho
        if c == count:
            return rho
        count = c
        unc = util - _dot(u[capped], w[capped])
        if unc <= 0:
            return None
        new = (cost - _dot(b[capped], w[capped])) / unc
        if new <= rho:
            return rho
        rho = new
    return None


def _exact_if_uncapped(prep: _Prepared, close: list[_Eval]) -> dict[int, Fraction] | None:
    """Exact ρ of each close project when every supporter is proven able to pay its full share
    (then ρ = cost / Σ w·u exactly), else None."""
    exact: dict[int, Fraction] = {}
    for ev in close:
        j = ev.j
        r = Fraction(prep.costs[j], prep.total_util[j])
        if not bool(np.all(ev.b - ev.e > float(r) * (1 + 4 * EPS) * ev.u)):
            return None
        exact[j] = r
    return exact


# OpenBLAS runs ddot on several threads above 10,000 elements and dgemv above about 9,216 matrix
# entries; on a busy machine those threads wait for a core and a run becomes many times slower
# (measured: Warsaw 2026, 2.4 s single-threaded vs 27 s). These products stay below both thresholds
# and use numpy's own loops (einsum without `optimize`, never BLAS) beyond them.
_DDOT_MAX = 10_000
_GEMV_MAX_COLS = 3_000


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Σ a·b of two float vectors, single-threaded."""
    if len(b) <= _DDOT_MAX:
        return float(a @ b)
    return float(np.einsum("i,i->", a, b))


def _sums(rows: np.ndarray, mask: np.ndarray) -> list[float]:
    """Σ over the masked columns of each of the three rows, single-threaded."""
    n = rows.shape[1]
    if n <= _GEMV_MAX_COLS:
        return (rows @ mask).tolist()  # type: ignore[no-any-return]
    m = mask.astype(np.float64)
    if n <= _DDOT_MAX:
        return [float(rows[0] @ m), float(rows[1] @ m), float(rows[2] @ m)]
    return np.einsum("ij,j->i", rows, m).tolist()  # type: ignore[no-any-return]
