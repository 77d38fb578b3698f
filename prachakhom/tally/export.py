"""Anonymised exports of a finished process's ballots (.pb, CSV, JSON) and their SHA-256.

Anonymising: voter ids and every per-voter column are dropped; ballots are sorted (so their order
reveals nothing about when or where people voted) and numbered 1..n.
"""

from __future__ import annotations

import csv
import hashlib
import heapq
import io
import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import TextIO

from prachakhom import __version__
from prachakhom.tally.election import Ballot, BallotKind, Points, Pot, Profile
from prachakhom.tally.pabulib import PabulibElection, write_pabulib, write_pabulib_to

SortKey = tuple[tuple[str, ...], tuple[str, ...]]


def anonymous_order(b: Ballot) -> SortKey:
    """The order anonymised ballots are published in: by what they say, nothing else."""
    return b.selections, tuple(str(v) for v in b.points or ())


def anonymise(profile: Profile) -> Profile:
    """The same ballots, sorted, numbered 1..n, without any voter data."""
    ballots = sorted(profile.ballots, key=anonymous_order)
    numbered = tuple(Ballot(b.selections, b.points, str(i)) for i, b in enumerate(ballots, start=1))
    return Profile(profile.kind, numbered, profile.max_length)


def _meta(pot: Pot, meta: dict[str, str] | None) -> dict[str, str]:
    return {"description": f"Prachakhom {pot.id}", "country": "Thailand", "unit": pot.id,
            "instance": pot.id, "rule": "unknown", "kit_version": __version__, **(meta or {})}


def export_pb(pot: Pot, profile: Profile, meta: dict[str, str] | None = None) -> str:
    """Pabulib text of the anonymised ballots (readable by `prachakhom tally` and pabutools)."""
    return write_pabulib(PabulibElection(_meta(pot, meta), pot, anonymise(profile)))


def export_pb_to(out: TextIO, pot: Pot, kind: BallotKind, ballots: AnonymousBallots,
                 meta: dict[str, str] | None = None) -> None:
    """What `export_pb` gives for the same ballots, written to `out` from `ballots` (sorted on disk
    when they are many): memory stays flat however many ballots a pot has."""
    write_pabulib_to(out, _meta(pot, meta), pot, kind, ballots.sorted(), len(ballots))


class AnonymousBallots:
    """The ballots of one pot, given one by one and read back in the published order
    (`anonymous_order`), with memory bounded however many there are.

    Identical ballots are kept once with a count (a village's ballots repeat a few choices); when
    more than `max_distinct` different ones are held, they are written sorted to a run file under
    `work_dir` and the memory is freed; `sorted()` merges the runs (`heapq.merge`). Ballots carry
    no voter data: only what they choose.
    """

    def __init__(self, work_dir: Path | None = None, max_distinct: int = 20_000) -> None:
        self._dir = work_dir
        self._max = max_distinct
        self._held: Counter[tuple[tuple[str, ...], tuple[Points, ...] | None]] = Counter()
        self._runs: list[Path] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, ballot: Ballot) -> None:
        self._held[(ballot.selections, ballot.points)] += 1
        self._count += 1
        if len(self._held) > self._max:
            self._spill()

    def _spill(self) -> None:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="prachakhom-ballots-"))
        run = self._dir / f"run-{id(self)}-{len(self._runs)}.jsonl"
        with run.open("w", encoding="utf-8") as f:
            for (selections, points), n in sorted(self._held.items(), key=lambda kv: _order(*kv[0])):
                f.write(json.dumps([selections, None if points is None else [str(v) for v in points], n],
                                   ensure_ascii=False) + "\n")
        self._runs.append(run)
        self._held.clear()

    def sorted(self) -> Iterator[Ballot]:
        """Every ballot given, in `anonymous_order` (equal ballots next to each other)."""
        runs = [_read_run(r) for r in self._runs]
        held = ((_order(s, p), s, p, n) for (s, p), n in sorted(self._held.items(), key=lambda kv: _order(*kv[0])))
        for _, selections, points, n in heapq.merge(held, *runs, key=lambda e: e[0]):
            ballot = Ballot(selections, points)
            for _ in range(n):
                yield ballot

    def close(self) -> None:
        """Delete the run files (the export is written)."""
        for run in self._runs:
            run.unlink(missing_ok=True)
        self._runs.clear()


def _order(selections: tuple[str, ...], points: tuple[Points, ...] | None) -> SortKey:
    return selections, tuple(str(v) for v in points or ())


def _read_run(path: Path) -> Iterator[tuple[SortKey, tuple[str, ...], tuple[Points, ...] | None, int]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            selections_list, points_text, n = json.loads(line)
            selections = tuple(selections_list)
            points = None if points_text is None else tuple(_number(v) for v in points_text)
            yield _order(selections, points), selections, points, n


def _number(text: str) -> Points:
    value = Fraction(text)
    return int(value) if value.denominator == 1 else value


def export_csv(pot: Pot, profile: Profile) -> str:
    """One row per (ballot, project): voter, project, points (1 for approval) and rank (ordinal)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["voter", "pot", "project_id", "points", "rank"])
    for b in anonymise(profile).ballots:
        for rank, (pid, pts) in enumerate(b.points_of().items(), start=1):
            writer.writerow([b.voter_id, pot.id, pid, pts, rank if profile.kind == "ordinal" else ""])
    return out.getvalue()


def export_json(pot: Pot, profile: Profile) -> str:
    """The pot and the anonymised ballots as JSON (money in the source's units, as strings)."""
    data = {
        "kit_version": __version__,
        "pot": pot.id,
        "budget": str(pot.to_units(pot.budget)),
        "vote_type": profile.kind.value,
        "projects": [{"id": p.id, "name": p.name, "cost": str(pot.to_units(p.cost))} for p in pot.projects],
        "ballots": [{"voter": b.voter_id, "selections": list(b.selections),
                     "points": None if b.points is None else [str(v) for v in b.points]}
                    for b in anonymise(profile).ballots],
    }
    return json.dumps(data, ensure_ascii=False, indent=1)


def sha256_hex(data: str | bytes) -> str:
    """SHA-256 of the exported text (UTF-8) or bytes, as published next to the download."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()
