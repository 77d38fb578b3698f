"""`prachakhom cost`: the expected AWS bill, from measured consumption (infra/usage.json) and public
prices (infra/prices.json); the arithmetic is `prachakhom.cost`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from prachakhom.cost import Estimate, Scenario, monthly, yearly

ROOT = Path(__file__).resolve().parent.parent.parent
USAGE = ROOT / "infra" / "usage.json"
PRICES = ROOT / "infra" / "prices.json"
REGIONS = ("ap-southeast-7", "ap-southeast-1")


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--residents", type=int, required=True, help="eligible residents of one municipality")
    p.add_argument("--turnout", type=float, required=True, help="share of them who vote, e.g. 0.2")
    p.add_argument("--proposals", type=int, required=True, help="proposals submitted online in the cycle")
    p.add_argument("--municipalities", type=int, default=1, help="municipalities alike on one deployment")
    p.add_argument("--region", choices=REGIONS, default=REGIONS[0],
                   help="Bangkok ap-southeast-7 (default) or Singapore ap-southeast-1")
    p.add_argument("--no-alarms", action="store_true", help="a stack deployed without AlarmEmail")
    p.add_argument("--usage", type=Path, default=USAGE, help=argparse.SUPPRESS)
    p.add_argument("--prices", type=Path, default=PRICES, help=argparse.SUPPRESS)


def render(estimate: Estimate, year: float, prices: dict[str, Any]) -> str:
    s = estimate.scenario
    head = (f"Prachakhom on AWS, {estimate.region}: {s.municipalities:,} municipalit"
            f"{'y' if s.municipalities == 1 else 'ies'} of {s.residents:,} residents, "
            f"{s.turnout:.0%} turnout ({s.voters:,.0f} voters each), {s.proposals:,} proposals")
    rows = [head, "", f"{'service':<12} {'item':<40} {'quantity':>16} {'US$':>10}"]
    for line in estimate.lines:
        rows.append(f"{line.service:<12} {line.item:<40} {line.quantity:>14,.1f} {line.unit[:2]:<1} "
                    f"{line.cost:>10.4f}")
    rows += ["", f"busy month (the cycle's proposals and votes): US${estimate.total:,.2f}"
             + (f" (US${estimate.per_municipality:,.4f} per municipality)" if s.municipalities > 1 else ""),
             f"a year (one busy month, eleven quiet ones):     US${year:,.2f}"
             + (f" (US${year / s.municipalities:,.4f} per municipality)" if s.municipalities > 1 else ""),
             "", f"Prices of {prices['as_of']} (infra/prices.json; free tiers not counted, each figure's source "
             "there); consumption measured by tests/bench/cost_profile.py (infra/usage.json)."]
    return "\n".join(rows)


def main(args: argparse.Namespace) -> int:
    usage, prices = load(args.usage), load(args.prices)
    try:
        scenario = Scenario(args.residents, args.turnout, args.proposals, args.municipalities,
                            alarms=not args.no_alarms)
    except ValueError as err:
        print(f"prachakhom cost: {err}")
        return 2
    estimate = monthly(scenario, usage, prices, args.region)
    print(render(estimate, yearly(scenario, usage, prices, args.region), prices))
    return 0
