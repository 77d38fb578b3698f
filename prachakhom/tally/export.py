"""Anonymised exports of a finished process's ballots (.pb, CSV, JSON) and their SHA-256.

Anonymising: voter ids and every per-voter column are dropped; ballots are sorted (so their order
reveals nothing about when or where people voted) and numbered 1..n.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json

from prachakhom import __version__
from prachakhom.tally.election import Ballot, Pot, Profile
from prachakhom.tally.pabulib import PabulibElection, write_pabulib


def anonymise(profile: Profile) -> Profile:
    """The same ballots, sorted, numbered 1..n, without any voter data."""
    def key(b: Ballot) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return b.selections, tuple(str(v) for v in b.points or ())

    ballots = sorted(profile.ballots, key=key)
    numbered = tuple(Ballot(b.selections, b.points, str(i)) for i, b in enumerate(ballots, start=1))
    return Profile(profile.kind, numbered, profile.max_length)


def export_pb(pot: Pot, profile: Profile, meta: dict[str, str] | None = None) -> str:
    """Pabulib text of the anonymised ballots (readable by `prachakhom tally` and pabutools)."""
    full = {"description": f"Prachakhom {pot.id}", "country": "Thailand", "unit": pot.id,
            "instance": pot.id, "rule": "unknown", "kit_version": __version__, **(meta or {})}
    return write_pabulib(PabulibElection(full, pot, anonymise(profile)))


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
