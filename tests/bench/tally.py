"""Benchmark: our tally vs pabutools on the same files (counting only, parse excluded).

    python tests/bench/tally.py [--quick] [--max-seconds 120] [--no-reference] [--repeat 5]
                                [--reference-cache FILE.json] [--only FILE:RULE ...] [--large-add1]

Prints file, rule, ours (s), pabutools (s), ratio, winners identical; then peak memory of parsing +
counting against the number of ballots (tracemalloc) to show linear growth. A pabutools run that
exceeds --max-seconds is stopped (it runs in a child process) and reported as "> N s". Our time is
the minimum of --repeat runs (other processes may share the machine). --reference-cache keeps
pabutools' seconds and winners per (file, rule, pabutools version) in a JSON file, so that the slow
reference runs (minutes for MES + add1) need not be repeated when only our side changed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from prachakhom.tally import TieBreaking, read_pabulib, tally  # noqa: E402
from tests.conftest_tally import pabulib_dir, reference_winners  # noqa: E402

PLAN = [
    ("Poland_Lodz_2022", "greedy"), ("Poland_Wroclaw_2015_150_-_500", "greedy"),
    ("Hungary_Budapest_2024", "mes"), ("Poland_Warszawa_2026", "mes"), ("Poland_Warszawa_2023_Targowek", "mes"),
    ("Poland_Warszawa_2023_Targowek", "mes-add1"), ("Poland_Warszawa_2023_Wesola", "mes-add1"),
    ("Netherlands_Amsterdam_179", "mes-add1"), ("Poland_Czestochowa_2020", "mes"),
]
LARGE_ADD1 = [("Poland_Warszawa_2026", "mes-add1"), ("Poland_Krakow_2024", "mes-add1"),
              ("Hungary_Budapest_2024", "mes-add1")]  # pabutools: hours to days; ours only
QUICK = [("Poland_Lodz_2022", "greedy"), ("Hungary_Budapest_2024", "mes"), ("Poland_Warszawa_2023_Wesola", "mes-add1")]


def _reference(text: str, rule: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    import pabutools.election.pabulib as pl

    instance, profile = pl.parse_pabulib_from_string(text)
    orig = pl.parse_pabulib_from_string
    pl.parse_pabulib_from_string = lambda _t: (instance, profile)  # parse excluded from the timing
    start = time.perf_counter()
    winners = reference_winners(text, rule)
    queue.put((time.perf_counter() - start, winners))
    pl.parse_pabulib_from_string = orig


def run_reference(text: str, rule: str, limit: float) -> tuple[float | None, list[str] | None]:
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    proc = mp.Process(target=_reference, args=(text, rule, queue))
    proc.start()
    proc.join(limit + 60)  # pabutools parses first (not timed)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None, None
    seconds, winners = queue.get()
    return (seconds, winners) if seconds <= limit else (None, winners)


def run_ours(text: str, rule: str, repeat: int = 1) -> tuple[float, list[str]]:
    election = read_pabulib(text)
    best, winners = float("inf"), []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        outcome = tally(election.pot, election.profile, rule, None, TieBreaking.LEXICOGRAPHIC)
        best = min(best, time.perf_counter() - start)
        winners = list(outcome.winners)
    return best, winners


def cached_reference(cache: Path | None, name: str, text: str, rule: str,
                     limit: float) -> tuple[float | None, list[str] | None]:
    """pabutools' (seconds, winners), from the cache when it holds a finished run of this version."""
    from importlib.metadata import version

    key = f"{name}|{rule}|pabutools {version('pabutools')}"
    store = json.loads(cache.read_text()) if cache is not None and cache.exists() else {}
    if key in store and store[key]["seconds"] is not None:
        return store[key]["seconds"], store[key]["winners"]
    seconds, winners = run_reference(text, rule, limit)
    if cache is not None:
        store = json.loads(cache.read_text()) if cache.exists() else {}
        store[key] = {"seconds": seconds, "winners": winners}
        cache.write_text(json.dumps(store, indent=1))
    return seconds, winners


def memory_table(folder: Path) -> None:
    print("\nfile | ballots | peak MiB (parse + mes) | KiB per ballot")
    for name in ["Poland_Warszawa_2023_Wesola", "Poland_Warszawa_2023_Mokotow", "Poland_Katowice_2023",
                 "Poland_Warszawa_2026", "Poland_Lodz_2022"]:
        text = (folder / f"{name}.pb").read_text(encoding="utf-8-sig")
        tracemalloc.start()
        election = read_pabulib(text)
        tally(election.pot, election.profile, "mes")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        n = len(election.profile)
        print(f"{name} | {n} | {peak / 2**20:.1f} | {peak / 1024 / n:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="limit per pabutools run")
    parser.add_argument("--no-reference", action="store_true", help="time ours only")
    parser.add_argument("--repeat", type=int, default=5, help="our time: the minimum of this many runs")
    parser.add_argument("--reference-cache", type=Path, help="JSON file keeping pabutools' results")
    parser.add_argument("--large-add1", action="store_true", help="MES + add1 on the largest files, ours only")
    parser.add_argument("--only", nargs="*", metavar="FILE:RULE", help="run these (file stem:rule) only")
    args = parser.parse_args()
    folder = pabulib_dir()
    if folder is None:
        print("Pabulib files not found (set PRACHAKHOM_PABULIB)", file=sys.stderr)
        return 2
    print("file | rule | ours (s) | pabutools (s) | ratio | winners identical")
    plan = [tuple(item.split(":", 1)) for item in args.only] if args.only else QUICK if args.quick else PLAN
    if args.large_add1:
        plan, args.no_reference = LARGE_ADD1, True
    for name, rule in plan:
        text = (folder / f"{name}.pb").read_text(encoding="utf-8-sig")
        ours, winners = run_ours(text, rule, args.repeat)
        ref, ref_winners = (None, None) if args.no_reference else cached_reference(
            args.reference_cache, name, text, rule, args.max_seconds)
        ref_text = f"{ref:.2f}" if ref is not None else f"> {args.max_seconds:.0f}"
        ratio = f"{ref / ours:.0f}x" if ref is not None else "-"
        if ref is None and ref_winners is not None:
            ref_text = f"> {args.max_seconds:.0f} (finished later)"
        same = "-" if ref_winners is None else ("yes" if ref_winners == winners else "NO")
        print(f"{name} | {rule} | {ours:.3f} | {ref_text} | {ratio} | {same}", flush=True)
    memory_table(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
