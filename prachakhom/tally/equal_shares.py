"""The Method of Equal Shares (MES), as described on equalshares.net and implemented by pabutools.

Every voter starts with an equal share `budget / n` (n counts every ballot, empty ones too, as
pabutools does). Round after round the project that its supporters can buy at the lowest price per
unit of utility (ρ) is funded; each supporter pays min(own money, ρ · utility). Projects whose
supporters together have less money than the cost drop out. Utilities: `cost` (approving a project
is worth its cost; ρ is the share of the cost each supporter pays), `cardinality` (each approval is
worth 1) and `points` (cumulative/scoring ballots; ordinal ballots are turned into points first).

`completion="add1"` is pabutools' `voter_budget_increment=1` followed by greedy-by-votes
(`completion_by_rule_combination`): re-run MES with each voter's share raised by one unit of money
(B/n + 1, B/n + 2, …) until the outcome is exhaustive among the supported projects, or would cost
more than the real budget (then the previous outcome is kept); then fill what is left most-supported
first. `completion="add1-integral"` starts the raised shares from the whole part of B/n instead
(⌊B/n⌋ + 1, …), as equalshares.net's reference code does. The greedy fill never takes a project
without supporters (pabutools' greedy does, when it fits): with no ballots at all, nothing is funded.

Exactness and speed: voters with identical ballots are grouped. Each voter's money is exact: voters
are kept in *budget classes* whose amounts are `Fraction`s; a float copy of each amount is used to
find candidates quickly (numpy), and every decision — which project is cheapest, whether two are tied,
what each supporter pays, whether a project is affordable when it is close — is then taken with the
exact fractions. Floats only ever narrow the search.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain
from operator import attrgetter
from typing import Literal

import numpy as np

from prachakhom.tally._mes_fast import certified_run
from prachakhom.tally.election import BallotKind, Points, Pot, Profile, ordinal_as_points
from prachakhom.tally.greedy import greedy_order, norm_points, supported
from prachakhom.tally.outcome import Outcome, ProjectResult, Reason, results_with_ties
from prachakhom.tally.tiebreaking import DEFAULT_TIE_BREAKING, TieBreaking, tie_key

Utility = Literal["cost", "cardinality", "points"]
Completion = Literal["add1", "add1-integral"] | None
_TOL = 1e-9


@dataclass(slots=True)
class _Prepared:
    """Grouped ballots and, per project, its supporting groups (int64 weights and utilities).

    Utilities are integers: costs for `cost`, 1 for `cardinality`, points times a common factor
    for `points` (MES does not change when all utilities are scaled by the same factor).
    """

    n: int
    groups: int
    costs: list[int]
    idx: list[np.ndarray] = field(default_factory=list)
    w: list[np.ndarray] = field(default_factory=list)
    u: list[np.ndarray] = field(default_factory=list)
    wf: list[np.ndarray] = field(default_factory=list)
    uf: list[np.ndarray] = field(default_factory=list)
    total_util: list[int] = field(default_factory=list)
    points: list[Fraction] = field(default_factory=list)
    supporters: list[int] = field(default_factory=list)
    wsum: list[float] = field(default_factory=list)
    total_util_f: list[float] = field(default_factory=list)
    umax: list[float] = field(default_factory=list)
    uniform: list[float] = field(default_factory=list)  # the utility if all supporters share it, else 0
    static_lower: np.ndarray = field(default_factory=lambda: np.zeros(0))  # ≤ cost / Σ w·u ≤ every ρ


@dataclass(slots=True)
class _Run:
    """One fixed-budget MES run: selected project indices (in order) and ties met."""

    selected: list[int]
    ties: list[tuple[int, tuple[int, ...], int]] = field(default_factory=list)
    exact: bool = True  # False: a certified float run (same selection, no tie record)


def tally_equal_shares(pot: Pot, profile: Profile, utility: Utility | None = None,
                       tie_breaking: TieBreaking = DEFAULT_TIE_BREAKING,
                       completion: Completion = None) -> Outcome:
    """MES on one pot, optionally completed (see module doc). `utility=None` picks `cost` for
    approval ballots and `points` for points/ordinal ballots."""
    profile = ordinal_as_points(profile)
    utility = _check_utility(profile.kind, utility)
    prep = _prepare(pot, profile, utility)
    scores = {p.id: norm_points(prep.points[j]) for j, p in enumerate(pot.projects)}
    supporters = {p.id: prep.supporters[j] for j, p in enumerate(pot.projects)}
    order_key = [tie_key(tie_breaking, p, supporters[p.id]) for p in pot.projects]
    free = [j for j, p in enumerate(pot.projects) if p.cost == 0 and prep.total_util[j] > 0]
    active = [j for j, p in enumerate(pot.projects) if p.cost > 0 and prep.total_util[j] > 0]
    base = Fraction(pot.budget, prep.n) if prep.n else Fraction(0)
    run = _run_mes(prep, active, base, order_key)
    steps = 0
    if completion is not None and prep.n:
        run, base, steps = _add1(pot, prep, active, free, base, run, order_key, completion)
    mes_winners = free + run.selected
    added = _greedy_fill(pot, mes_winners, scores, supporters, tie_breaking) if completion else []
    return _outcome(pot, utility, tie_breaking, completion, prep, run, mes_winners, added,
                    scores, supporters, {"per_voter_budget": base, "add1_steps": steps})


def _check_utility(kind: BallotKind, utility: Utility | None) -> Utility:
    approval = kind in (BallotKind.APPROVAL, BallotKind.CHOOSE_ONE)
    if utility is None:
        return "cost" if approval else "points"
    if approval and utility not in ("cost", "cardinality"):
        raise ValueError(f"utility {utility!r} needs points ballots; approval ballots use cost or cardinality")
    if not approval and utility != "points":
        raise ValueError(f"{kind.value} ballots carry points: utility must be 'points', not {utility!r}")
    return utility


class _ProjectIndex(dict[str, int]):
    """Project id -> position; ids of other pots map to -1 (lookups stay in C for known ids)."""

    def __missing__(self, key: str) -> int:
        return -1


def _prepare(pot: Pot, profile: Profile, utility: Utility) -> _Prepared:
    """Per project: the groups supporting it, their sizes and utilities, as int64 arrays.

    Identical ballots (same selections in the same order, and the same points) are grouped with one
    C-level `Counter` over the tuples the ballots already hold; the (group, project) incidence is then
    built from one flat array of project positions and sorted by project with numpy's radix sort, so
    no Python code runs per approval except one dictionary lookup."""
    index = _ProjectIndex({p.id: j for j, p in enumerate(pot.projects)})
    approval = profile.kind in (BallotKind.APPROVAL, BallotKind.CHOOSE_ONE)
    selections = attrgetter("selections")
    if approval:
        grouped: Counter[object] = Counter(map(selections, profile.ballots))
        sets: list[tuple[str, ...]] = list(grouped)  # type: ignore[arg-type]
    else:
        grouped = Counter(zip(map(selections, profile.ballots), map(attrgetter("points"), profile.ballots),
                              strict=True))
        sets = [k[0] for k in grouped]  # type: ignore[index]
    n_groups, n_projects = len(sets), len(pot.projects)
    weights = np.fromiter(grouped.values(), dtype=np.int64, count=n_groups)
    lens = np.fromiter(map(len, sets), dtype=np.int64, count=n_groups)
    total = int(lens.sum())
    proj = np.fromiter(map(index.__getitem__, chain.from_iterable(sets)), dtype=np.int64, count=total)
    group = np.repeat(np.arange(n_groups, dtype=np.int64), lens)
    scale = 1
    if approval:
        raw = np.ones(total, dtype=np.int64)
    else:
        values = list(chain.from_iterable(k[1] for k in grouped))  # type: ignore[index]
        fractions = [v for v in values if type(v) is not int]
        if fractions:
            scale = math.lcm(1, *{v.denominator for v in fractions if isinstance(v, Fraction)})
            raw = np.array([int(v * scale) for v in values], dtype=np.int64)
        else:
            raw = np.array(values, dtype=np.int64)
    keep = proj >= 0
    if not approval:
        keep &= raw > 0
    if not keep.all():
        proj, group, raw = proj[keep], group[keep], raw[keep]
    small = proj.astype(np.int16) if n_projects < 2**15 else proj
    order = np.argsort(small, kind="stable")          # radix sort; a ballot's entries stay in order
    proj, group, raw = proj[order], group[order], raw[order]
    if len(proj) > 1:
        # a project repeated in one ballot: approval keeps one, points keep the last value (as dict())
        same_next = (proj[1:] == proj[:-1]) & (group[1:] == group[:-1])
        if same_next.any():
            last = np.append(~same_next, True)
            proj, group, raw = proj[last], group[last], raw[last]
    bounds = np.searchsorted(proj, np.arange(n_projects + 1))
    prep = _Prepared(len(profile), n_groups, [p.cost for p in pot.projects])
    for j, p in enumerate(pot.projects):
        lo, hi = bounds[j], bounds[j + 1]
        idx = group[lo:hi]
        w = weights[idx]
        u = raw[lo:hi] if utility == "points" else np.full(hi - lo, p.cost if utility == "cost" else 1,
                                                          dtype=np.int64)
        prep.idx.append(idx)
        prep.w.append(w)
        prep.u.append(u)
        prep.wf.append(w.astype(np.float64))
        prep.uf.append(u.astype(np.float64))
        prep.total_util.append(int(np.dot(w, u)))
        supporters = int(w.sum())
        prep.points.append(Fraction(int(np.dot(w, raw[lo:hi])), scale) if not approval else Fraction(supporters))
        prep.supporters.append(supporters)
        prep.wsum.append(float(supporters))
        prep.total_util_f.append(float(prep.total_util[j]))
        prep.umax.append(float(u.max()) if len(u) else 0.0)
        prep.uniform.append(float(u[0]) if utility != "points" and len(u) else 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0/0: a zero-cost project nobody supports
        prep.static_lower = (np.array(prep.costs, dtype=np.float64) / np.array(prep.total_util_f)
                             * (1 - 4 * 2.0 ** -52))
    return prep


class _Money:
    """Every group's money. Exact value: 0 if spent, else share − Σ_s ρ_s · paid[s][g]
    (paid[s][g] = the utility group g paid for at step s, at the exact price ρ_s). The share and the
    prices are kept as integers over one common denominator, so exact sums are integer arithmetic;
    `approx` is a float copy used to find candidates quickly."""

    def __init__(self, groups: int, share: Fraction) -> None:
        self.den = share.denominator
        self.share_num = share.numerator
        self.rho_nums: list[int] = []
        self.paid: list[np.ndarray] = []
        self.approx = np.full(groups, float(share))
        self.spent = np.zeros(groups, dtype=bool)
        self.slack = _TOL * max(float(share), 1e-300)

    def add_price(self, rho: Fraction, paid: np.ndarray) -> None:
        den = math.lcm(self.den, rho.denominator)
        if den != self.den:
            factor = den // self.den
            self.share_num *= factor
            self.rho_nums = [r * factor for r in self.rho_nums]
            self.den = den
        self.rho_nums.append(rho.numerator * (den // rho.denominator))
        self.paid.append(paid)

    def exact_sum(self, idx: np.ndarray, w: np.ndarray) -> Fraction:
        """Σ w·money over the given groups, exactly."""
        live = ~self.spent[idx]
        idx, w = idx[live], w[live]
        total = self.share_num * int(w.sum())
        for r, col in zip(self.rho_nums, self.paid, strict=True):
            m = int(np.dot(w, col[idx]))
            if m:
                total -= r * m
        return Fraction(total, self.den)

    def exact(self, g: int) -> Fraction:
        if self.spent[g]:
            return Fraction(0)
        total = self.share_num
        for r, col in zip(self.rho_nums, self.paid, strict=True):
            total -= r * int(col[g])
        return Fraction(total, self.den)


_UNAFFORDABLE = -1.0


def _run_mes(prep: _Prepared, active: list[int], share: Fraction, order_key: list[tuple[object, ...]]) -> _Run:
    money = _Money(prep.groups, share)
    lower = {j: prep.costs[j] / prep.total_util[j] for j in active}
    run = _Run([])
    while lower:
        evaluated = _evaluate_round(prep, money, lower)
        if not evaluated:
            break
        chosen, rho, tied = _decide(prep, money, evaluated, order_key)
        if len(tied) > 1:
            run.ties.append((len(run.selected) + 1, tied, chosen))
        _pay(prep, money, chosen, rho)
        run.selected.append(chosen)
        del lower[chosen]
    return run


def _evaluate_round(prep: _Prepared, money: _Money, lower: dict[int, float]) -> dict[int, float | None]:
    """Float ρ of every project that might be the cheapest (lazily, like pabutools: ρ only grows);
    drops the projects their supporters can no longer afford (exactly, when it is close).
    A value None means "affordable, but ρ must be computed exactly"."""
    best = math.inf
    evaluated: dict[int, float | None] = {}
    for j in sorted(lower, key=lower.__getitem__):
        if lower[j] > best * (1 + _TOL):
            break
        rho = _float_rho(prep, money, j)
        if rho == _UNAFFORDABLE:
            del lower[j]
            continue
        evaluated[j] = rho
        if rho is not None:
            lower[j] = rho
            best = min(best, rho)
    return evaluated


def _float_rho(prep: _Prepared, money: _Money, j: int) -> float | None:
    """ρ in floats; _UNAFFORDABLE if surely unaffordable; None if too close to call in floats."""
    b = money.approx[prep.idx[j]]
    w, u, cost = prep.wf[j], prep.uf[j], float(prep.costs[j])
    available = float(np.dot(b, w))
    slack = money.slack * float(prep.w[j].sum()) + _TOL * cost
    if available < cost - slack:
        return _UNAFFORDABLE
    if available <= cost + slack:
        return None if money.exact_sum(prep.idx[j], prep.w[j]) >= prep.costs[j] else _UNAFFORDABLE
    order = np.argsort(b / u, kind="stable")
    bs, us, ws = b[order], u[order], w[order]
    paid_before = np.cumsum(bs * ws) - bs * ws
    util_from = float(np.dot(us, ws)) - (np.cumsum(us * ws) - us * ws)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (cost - paid_before) / util_from
        ok = rho * us <= bs
    k = int(np.argmax(ok))
    return float(rho[k]) if ok[k] else None


def _exact_rho(prep: _Prepared, money: _Money, j: int, approx: float | None) -> Fraction:
    """Exact ρ of an affordable project j: the smallest ρ with Σ w·min(money, ρ·u) = cost.

    Groups whose money/utility is clearly below the float estimate pay all they have, those clearly
    above pay ρ·u; only the groups close to the estimate are sorted and walked exactly (pabutools'
    loop)."""
    idx, w, u = prep.idx[j], prep.w[j], prep.u[j]
    b = money.approx[idx]
    if approx is None:
        near = np.ones(len(idx), dtype=bool)
        below = np.zeros(len(idx), dtype=bool)
    else:
        margin = _TOL * approx * prep.uf[j] + 4 * money.slack
        below = b < approx * prep.uf[j] - margin
        near = ~below & (b <= approx * prep.uf[j] + margin)
    paid = money.exact_sum(idx[below], w[below])
    denominator = int(np.dot(w[~below], u[~below]))
    items = [(money.exact(int(idx[k])), int(u[k]), int(w[k])) for k in np.flatnonzero(near)]
    items.sort(key=lambda t: t[0] / t[1])
    cost = prep.costs[j]
    for bk, uk, wk in items:
        rho = Fraction(cost - paid) / denominator
        if rho * uk <= bk:
            return rho
        paid += wk * bk
        denominator -= wk * uk
    return Fraction(cost - paid) / denominator


def _decide(prep: _Prepared, money: _Money, evaluated: dict[int, float | None],
            order_key: list[tuple[object, ...]]) -> tuple[int, Fraction, tuple[int, ...]]:
    """The exact cheapest project among the float near-best, and all projects exactly tied with it."""
    floats = [r for r in evaluated.values() if r is not None]
    best = min(floats) if floats else math.inf
    exact = {j: _exact_rho(prep, money, j, r) for j, r in evaluated.items()
             if r is None or r <= best * (1 + _TOL)}
    low = min(exact.values())
    tied = tuple(sorted((j for j, r in exact.items() if r == low), key=order_key.__getitem__))
    return tied[0], low, tied


def _pay(prep: _Prepared, money: _Money, j: int, rho: Fraction) -> None:
    """Each supporter pays min(own money, ρ·utility), decided exactly when close."""
    idx, u = prep.idx[j], prep.u[j]
    b = money.approx[idx]
    price = float(rho) * prep.uf[j]
    margin = _TOL * price + 4 * money.slack
    capped = b < price - margin
    near = np.flatnonzero(~capped & (b <= price + margin))
    new_b = b - price
    col = np.zeros(prep.groups, dtype=np.int64)
    paying = ~capped
    for k in near:
        exact = money.exact(int(idx[k])) - rho * int(u[k])
        paying[k] = exact > 0
        new_b[k] = float(exact)
    col[idx[paying]] = u[paying]
    spent = idx[~paying]
    money.approx[idx] = new_b
    money.approx[spent] = 0.0
    money.spent[spent] = True
    money.add_price(rho, col)


def _add1(pot: Pot, prep: _Prepared, active: list[int], free: list[int], base: Fraction, run: _Run,
          order_key: list[tuple[object, ...]], completion: str, windows: bool = True) -> tuple[_Run, Fraction, int]:
    """Raise every voter's share one unit of money at a time (pabutools' voter_budget_increment).

    The same outcome as `_add1_sequential`, found faster: a window of the next k steps is first
    tried with one certified float run covering every share in it (`_mes_fast.certified_run` with
    the window's half-width as the share's error: a non-None result is the exact selection at every
    share of the window). The selection decides the loop alone (exhaustive? over budget?), so a
    window with one selection is stepped over at once; k doubles after a window that passes and
    halves after one that cannot be certified. At k = 1 a step is a certified run at that share, or
    the exact code when floats cannot decide. The run finally reported is recomputed exactly
    (`_exact`). Few voters and a large budget in whole baht (a village pot) make thousands of
    one-baht steps in which nothing changes: the windows make them a few dozen runs.
    `windows=False` (one run per step) is the benchmark's baseline (`tests/bench/village_add1.py`)."""
    unit = pot.money_scale
    start = base if completion == "add1" else Fraction(math.floor(base / unit) * unit)
    steps, share = 0, base
    window, wait, backoff = 1, 0, 1   # wait: single steps before the next window (doubles after failures)
    spent_free = sum(prep.costs[j] for j in free)
    while True:
        if _exhaustive(pot, prep, active, spent_free, run.selected):
            return _exact(run, prep, active, share, order_key), share, steps
        first = start + (steps + 1) * unit
        if window > 1:
            last = start + (steps + window) * unit
            selected = certified_run(prep, active, (first + last) / 2, float(last - first) / 2, order_key)
            if selected is None:
                window //= 2
                if window == 1:      # windows do not pass here (selections change at every step):
                    wait, backoff = backoff, min(2 * backoff, 1024)   # try again later, less often
                continue
            nxt, taken = _Run(selected, exact=False), window
            window, backoff = 2 * window, 1
        else:
            selected = certified_run(prep, active, first, 0.0, order_key)
            nxt = _run_mes(prep, active, first, order_key) if selected is None else _Run(selected, exact=False)
            taken = 1
            if wait:
                wait -= 1
            elif windows:
                window = 2
        if spent_free + sum(prep.costs[j] for j in nxt.selected) > pot.budget:
            return _exact(run, prep, active, share, order_key), share, steps
        if _exhaustive(pot, prep, active, spent_free, nxt.selected):  # the window's first step ends it
            return _exact(nxt, prep, active, first, order_key), first, steps + 1
        steps += taken
        run, share = nxt, start + steps * unit


def _exhaustive(pot: Pot, prep: _Prepared, active: list[int], spent_free: int, selected: list[int]) -> bool:
    """No supported project that is not selected fits in what is left of the budget."""
    left = pot.budget - spent_free - sum(prep.costs[j] for j in selected)
    chosen = set(selected)
    return all(j in chosen or prep.costs[j] > left for j in active)


def _add1_sequential(pot: Pot, prep: _Prepared, active: list[int], free: list[int], base: Fraction, run: _Run,
                     order_key: list[tuple[object, ...]], completion: str) -> tuple[_Run, Fraction, int]:
    """The plain add1 loop, every step an exact MES run: the reference `_add1` is tested against."""
    unit = pot.money_scale
    start = base if completion == "add1" else Fraction(math.floor(base / unit) * unit)
    steps, share = 0, base
    spent_free = sum(prep.costs[j] for j in free)
    while True:
        if _exhaustive(pot, prep, active, spent_free, run.selected):
            return run, share, steps
        nxt_share = start + (steps + 1) * unit
        nxt = _run_mes(prep, active, nxt_share, order_key)
        if spent_free + sum(prep.costs[j] for j in nxt.selected) > pot.budget:
            return run, share, steps
        run, share, steps = nxt, nxt_share, steps + 1


def _exact(run: _Run, prep: _Prepared, active: list[int], share: Fraction,
           order_key: list[tuple[object, ...]]) -> _Run:
    """The reported run is always the exact one (a certified float run has no tie record)."""
    if run.exact:
        return run
    return _run_mes(prep, active, share, order_key)


def _greedy_fill(pot: Pot, winners: list[int], scores: dict[str, Points], supporters: dict[str, int],
                 tie_breaking: TieBreaking) -> list[int]:
    """Completion: spend what is left most-supported first (pabutools' greedy with cost satisfaction),
    never on a project without supporters."""
    left = pot.budget - sum(pot.projects[j].cost for j in winners)
    taken = {pot.projects[j].id for j in winners}
    index = {p.id: j for j, p in enumerate(pot.projects)}
    added = []
    for p in greedy_order(pot, scores, supporters, tie_breaking):
        if not supported(scores[p.id], supporters[p.id]):
            break  # the order puts every unsupported project last
        if p.id not in taken and p.cost <= left:
            added.append(index[p.id])
            left -= p.cost
    return added


def _outcome(pot: Pot, utility: Utility, tie_breaking: TieBreaking, completion: Completion, prep: _Prepared,
             run: _Run, mes_winners: list[int], added: list[int], scores: dict[str, Points],
             supporters: dict[str, int], details: dict[str, object]) -> Outcome:
    ids = [p.id for p in pot.projects]
    in_mes, in_fill = set(mes_winners), set(added)
    results = []
    for j, p in enumerate(pot.projects):
        if j in in_mes:
            reason = Reason.SELECTED
        elif j in in_fill:
            reason = Reason.ADDED_BY_COMPLETION
        elif not supported(scores[p.id], supporters[p.id]):
            reason = Reason.NO_SUPPORTERS
        elif completion:
            reason = Reason.NOT_ENOUGH_BUDGET
        else:
            reason = Reason.SUPPORTERS_OUT_OF_MONEY
        results.append(ProjectResult(p.id, p.cost, scores[p.id], supporters[p.id], reason in
                                     (Reason.SELECTED, Reason.ADDED_BY_COMPLETION), reason))
    offset = len(mes_winners) - len(run.selected)
    raw_ties = [(step + offset, tuple(ids[k] for k in tied), ids[chosen]) for step, tied, chosen in run.ties]
    winners = mes_winners + added
    rule = "mes" if completion is None else f"mes-{completion}"
    return Outcome(rule, utility, tie_breaking.value, pot, sum(pot.projects[j].cost for j in winners),
                   tuple(ids[j] for j in winners), tuple(results),
                   results_with_ties(results, raw_ties, tie_breaking.value), details)
