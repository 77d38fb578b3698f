"""Benchmark: reading a 100,000-row voter roll (decode, check every row, keyed hashes) beside a plain
`csv.reader` pass over the same bytes, in one run.

    python tests/bench/roll.py [--rows 100000] [--repeat 5] [--encoding utf-8|cp874]

Prints the median seconds of each (and the ratio) over --repeat runs, taking turns so load drift hits
both alike, and the peak memory (tracemalloc) of one run of each. Target (issue 8): under 10 s and
200 MB for 100,000 rows.
"""

from __future__ import annotations

import argparse
import csv
import hmac
import io
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from prachakhom.identity import national_id_check_digit  # noqa: E402
from prachakhom.roll import decode_roll, read_roll  # noqa: E402

SECRET = b"bench-secret-0123456789abcdef"
VILLAGES = tuple(range(1, 21))


def make_roll(rows: int, encoding: str) -> bytes:
    """A roll as a house-registration export: header, IDs with check digits, BE dd/mm/yyyy, หมู่ n."""
    rng = random.Random(8)
    lines = ["เลขประจำตัวประชาชน,วันเกิด,หมู่ที่"]
    for i in range(rows):
        first = f"{rng.randint(1, 8)}{i:011d}"
        lines.append(f"{first}{national_id_check_digit(first)},{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/"
                     f"{rng.randint(2470, 2553)},หมู่ {rng.choice(VILLAGES)}")
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" + text.encode("utf-8")) if encoding == "utf-8" else text.encode(encoding)


def ours(data: bytes) -> int:
    roll = read_roll(data, VILLAGES, SECRET, "bench-town", "pb-2570")
    assert roll.ok, roll.problems[:3]
    return len(roll.entries)


def baseline(data: bytes) -> int:
    """What any roll upload pays at least: decode and split the CSV, nothing checked or hashed."""
    return sum(1 for _ in csv.reader(io.StringIO(decode_roll(data))))


def hashing_floor(data: bytes) -> int:
    """The baseline plus the two HMAC-SHA256 per row that PDPA requires (nothing checked): how much of
    our time is the hashing itself."""
    count = 0
    for row in csv.reader(io.StringIO(decode_roll(data))):
        hmac.digest(SECRET, row[0].encode(), "sha256")
        hmac.digest(SECRET, (row[0] + row[1]).encode(), "sha256")
        count += 1
    return count


def peak_mb(run: Callable[[bytes], int], data: bytes) -> float:
    tracemalloc.start()
    run(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--encoding", default="utf-8", choices=["utf-8", "cp874"])
    args = parser.parse_args()
    data = make_roll(args.rows, args.encoding)
    runs: dict[str, Callable[[bytes], int]] = {"ours": ours, "baseline": baseline, "floor": hashing_floor}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run(data)
            times[name].append(time.perf_counter() - start)
    o, b, f = (statistics.median(times[n]) for n in ("ours", "baseline", "floor"))
    mo, mb, mf = peak_mb(ours, data), peak_mb(baseline, data), peak_mb(hashing_floor, data)
    print(f"roll: {args.rows:,} rows, {len(data) / 1e6:.1f} MB {args.encoding}, median of {args.repeat}")
    print(f"{'':28}{'seconds':>10}{'peak MB':>10}")
    print(f"{'ours (check + hash)':28}{o:>10.2f}{mo:>10.1f}")
    print(f"{'baseline (csv.reader only)':28}{b:>10.2f}{mb:>10.1f}")
    print(f"{'csv + 2 HMAC/row (floor)':28}{f:>10.2f}{mf:>10.1f}")
    print(f"ratio ours/baseline: {o / b:.1f}x time, {mo / mb:.1f}x memory; ours/floor: {o / f:.1f}x time; "
          f"target < 10 s and < 200 MB: {'met' if o < 10 and mo < 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
