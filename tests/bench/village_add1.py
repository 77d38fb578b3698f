"""Benchmark: MES + add1 in village-sized pots (a few voters, budgets in whole baht), ours (windows of
steps, `equal_shares._add1`) against the same loop taking one certified run per step (its
`windows=False` baseline, what the add1 completion did before), measured in the same run.

    python tests/bench/village_add1.py [--pots 12] [--repeat 3] [--seed 1]

Prints one line per pot (kind, voters, projects, budget, add1 steps, ours, baseline, ratio, same
outcome) and the medians. Each time is the minimum of --repeat runs, ours and the baseline alternating.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from prachakhom.tally import Ballot, BallotKind, Outcome, Pot, Profile, Project  # noqa: E402
from prachakhom.tally import equal_shares as es  # noqa: E402


def village_pot(rng: random.Random, kind: BallotKind) -> tuple[Pot, Profile]:
    costs = [rng.randrange(20_000, 250_001, 1_000) for _ in range(rng.randint(4, 8))]
    pot = Pot("village", rng.randrange(150_000, 500_001, 10_000),
              tuple(Project(f"p{i}", c, order=i) for i, c in enumerate(costs)))
    ids = [p.id for p in pot.projects]
    ballots = []
    for _ in range(rng.choice([3, 5, 8, 12, 20, 40])):
        chosen = rng.sample(ids, rng.randint(1, 3))
        points = tuple(rng.randint(1, 5) for _ in chosen) if kind is BallotKind.CUMULATIVE else None
        ballots.append(Ballot(tuple(chosen), points))
    return pot, Profile(kind, tuple(ballots))


def timed(pot: Pot, profile: Profile, windows: bool) -> tuple[float, Outcome]:
    with mock.patch.object(es, "_add1", partial(es._add1, windows=windows)):
        start = time.perf_counter()
        outcome = es.tally_equal_shares(pot, profile, completion="add1")
        return time.perf_counter() - start, outcome


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pots", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print("kind | voters | projects | budget | add1 steps | ours (s) | baseline (s) | ratio | same outcome")
    ours_all, base_all = [], []
    for i in range(args.pots):
        kind = BallotKind.APPROVAL if i % 2 == 0 else BallotKind.CUMULATIVE
        pot, profile = village_pot(rng, kind)
        ours, base = float("inf"), float("inf")
        for r in range(args.repeat):
            for windows in ((True, False) if r % 2 == 0 else (False, True)):
                seconds, outcome = timed(pot, profile, windows)
                if windows:
                    ours, fast = min(ours, seconds), outcome
                else:
                    base, slow = min(base, seconds), outcome
        same = fast.winners == slow.winners and fast.details == slow.details
        ours_all.append(ours)
        base_all.append(base)
        print(f"{kind.value} | {len(profile)} | {len(pot.projects)} | {pot.budget:,} | "
              f"{fast.details['add1_steps']:,} | {ours:.3f} | {base:.3f} | {base / ours:.1f}x | "
              f"{'yes' if same else 'NO'}", flush=True)
    ours_med, base_med = statistics.median(ours_all), statistics.median(base_all)
    print(f"median | | | | | {ours_med:.3f} | {base_med:.3f} | {base_med / ours_med:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
