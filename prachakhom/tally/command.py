"""`prachakhom tally FILE.pb --rule mes [--json]`: recompute an outcome from any Pabulib file."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from prachakhom import __version__
from prachakhom.tally.export import sha256_hex
from prachakhom.tally.outcome import Outcome
from prachakhom.tally.pabulib import PabulibError, read_pabulib
from prachakhom.tally.process import RULES, tally
from prachakhom.tally.tiebreaking import DEFAULT_TIE_BREAKING, TieBreaking

EXIT_BAD_INPUT = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a Pabulib .pb file")
    parser.add_argument("--rule", choices=RULES, default="mes",
                        help="greedy, greedy-no-skip, mes, or mes-add1 (MES with add1 then greedy completion)")
    parser.add_argument("--utility", choices=("cost", "cardinality", "points"), default=None,
                        help="MES utility: cost (default for approval) or cardinality; points ballots use points")
    parser.add_argument("--tie-breaking", choices=[t.value for t in TieBreaking], default=DEFAULT_TIE_BREAKING.value,
                        help="order among tied projects (default: more supporters, cheaper, earlier)")
    parser.add_argument("--min-score", type=int, default=0, help="greedy rules: minimum score to be funded")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as err:
        print(f"error: cannot read {path}: {err.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    start = time.perf_counter()
    try:
        election = read_pabulib(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        print(f"error: {path}: not UTF-8 text (byte {err.start})", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PabulibError as err:
        print(f"error: {path}: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    parsed = time.perf_counter()
    try:
        outcome = tally(election.pot, election.profile, args.rule, args.utility,
                        TieBreaking(args.tie_breaking), args.min_score)
    except ValueError as err:
        print(f"error: {path}: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    counted = time.perf_counter()
    timing = {"parse_seconds": round(parsed - start, 6), "count_seconds": round(counted - parsed, 6)}
    if args.json:
        print(json.dumps(_json(outcome, path, sha256_hex(data), timing), ensure_ascii=False, indent=1))
    else:
        _print_table(outcome, path, timing)
    return 0


def _json(outcome: Outcome, path: Path, sha256: str, timing: dict[str, float]) -> dict[str, Any]:
    return {"file": str(path), "sha256": sha256, "kit_version": __version__, **outcome.to_dict(),
            "timing": timing}


def _print_table(outcome: Outcome, path: Path, timing: dict[str, float]) -> None:
    from rich.console import Console
    from rich.table import Table

    d = outcome.to_dict()
    table = Table(title=f"{path.name} — {d['rule']} ({d['utility'] or 'votes'}), tie-breaking {d['tie_breaking']}")
    for col in ("project", "cost", "score", "supporters", "selected", "reason"):
        table.add_column(col, justify="right" if col in ("cost", "score", "supporters") else "left")
    for p in sorted(d["projects"], key=lambda p: (not p["selected"], -p["score"])):
        table.add_row(p["id"], f"{p['cost']:,}", str(p["score"]), str(p["supporters"]),
                      "yes" if p["selected"] else "", p["reason"])
    console = Console()
    console.print(table)
    console.print(f"winners: {', '.join(d['winners'])}")
    console.print(f"budget {d['budget']:,} used {d['budget_used']:,} left {d['budget_left']:,}")
    for t in d["ties"]:
        console.print(f"tie at step {t['step']}: {', '.join(t['projects'])} -> {t['chosen']}"
                      f"{' (decided a winner)' if t['decided_winner'] else ''}")
    console.print(f"parse {timing['parse_seconds']:.3f} s, count {timing['count_seconds']:.3f} s")
