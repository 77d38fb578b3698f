"""Read and write the Pabulib `.pb` format (sections META, PROJECTS, VOTES; `;`-separated).

Tolerated quirks (see shared/pabulib/SOURCES.md): CRLF or LF, a UTF-8 BOM, lowercase section names,
a `name;cost` project header (the first column is always the project id, as in pabutools),
a missing `voter_id` column (voters are numbered from 1), double quotes (read with the `csv` module
exactly like pabutools), non-numeric project ids, decimal amounts (`2828094.61`, `4000.0`, `4000,5`),
extra columns (ignored), `selected` values other than 0/1 (kept as text in `project_meta`).

A project repeated inside one ballot: approval and ordinal keep its first occurrence; cumulative and
scoring keep the LAST points given (pabutools does the same: Częstochowa 2020 voter 13026 gives
`579` four times one point each, which counts as 1 point, not 4).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import TextIO

from prachakhom.tally.election import Ballot, BallotKind, Points, Pot, Profile, Project


class PabulibError(ValueError):
    """A file that is not valid Pabulib: says which line and what is wrong."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class PabulibElection:
    """A parsed file: META, one pot (budget + projects, money scaled to integers) and the ballots."""

    meta: dict[str, str]
    pot: Pot
    profile: Profile
    project_meta: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(slots=True)
class _Raw:
    meta: dict[str, str] = field(default_factory=dict)
    projects: list[tuple[int, str, str, dict[str, str]]] = field(default_factory=list)
    votes: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def read_pabulib_file(path: str | Path) -> PabulibElection:
    """Parse a `.pb` file (UTF-8, with or without BOM)."""
    return read_pabulib(Path(path).read_bytes().decode("utf-8-sig"))


def read_pabulib(text: str) -> PabulibElection:
    """Parse the text of a `.pb` file. Raises `PabulibError` naming the line at fault."""
    raw = _read_sections(text)
    if "vote_type" not in raw.meta:
        raise PabulibError(1, "META has no vote_type (approval, choose-1, cumulative, scoring or ordinal)")
    try:
        kind = BallotKind(raw.meta["vote_type"].strip().lower())
    except ValueError:
        raise PabulibError(1, f"unknown vote_type {raw.meta['vote_type']!r}") from None
    if "budget" not in raw.meta:
        raise PabulibError(1, "META has no budget")
    pot, project_meta = _build_pot(raw)
    profile = _build_profile(raw, kind, {p.id for p in pot.projects})
    return PabulibElection(dict(raw.meta), pot, profile, project_meta)


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Rows split on CR, LF and CR LF only, quoted fields kept whole (never `str.splitlines`, which
    also splits on U+2028, U+2029, U+0085, U+001C–U+001E, VT and FF, even inside quotes)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    for row in reader:
        yield reader.line_num, row


def _read_sections(text: str) -> _Raw:
    raw = _Raw()
    section = ""
    header: list[str] = []
    expect_header = False
    for line, row in _rows(text):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip().lower()
        if first in ("meta", "projects", "votes") and len(row) == 1:
            section, expect_header = first, True
        elif expect_header:
            header, expect_header = [h.strip().lower() for h in row], False
        elif section == "meta":
            if len(row) < 2:
                raise PabulibError(line, f"META line needs 'key;value', got {';'.join(row)!r}")
            raw.meta[row[0].strip()] = row[1].strip()
        elif section == "projects":
            values = dict(zip(header, (v.strip() for v in row), strict=False))
            if "cost" not in values:
                raise PabulibError(line, "project has no cost (the PROJECTS header needs a 'cost' column)")
            raw.projects.append((line, row[0].strip(), values["cost"], values))
        elif section == "votes":
            raw.votes.append((line, dict(zip(header, (v.strip() for v in row), strict=False))))
        else:
            raise PabulibError(line, "data before any META / PROJECTS / VOTES section")
    return raw


def _decimal(text: str, line: int, what: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise PabulibError(line, f"{what} {text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise PabulibError(line, f"{what} {text!r} must be a non-negative number")
    return value


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _build_pot(raw: _Raw) -> tuple[Pot, dict[str, dict[str, str]]]:
    budget = _decimal(raw.meta["budget"], 1, "budget")
    costs = [_decimal(cost, line, f"cost of project {pid!r}") for line, pid, cost, _ in raw.projects]
    scale = 10 ** max([_decimals(budget), *(_decimals(c) for c in costs)])
    projects: list[Project] = []
    seen: set[str] = set()
    for order, ((line, pid, _, values), cost) in enumerate(zip(raw.projects, costs, strict=True)):
        if pid in seen:
            raise PabulibError(line, f"project {pid!r} is listed twice")
        seen.add(pid)
        projects.append(Project(pid, int(cost * scale), values.get("name", ""), order))
    pot = Pot(raw.meta.get("subunit") or raw.meta.get("unit") or "main", int(budget * scale),
              tuple(projects), scale)
    return pot, {pid: values for _, pid, _, values in raw.projects}


def _build_profile(raw: _Raw, kind: BallotKind, ids: set[str]) -> Profile:
    with_points = kind in (BallotKind.CUMULATIVE, BallotKind.SCORING)
    ballots = []
    for index, (line, values) in enumerate(raw.votes, start=1):
        voter = values.get("voter_id") or str(index)
        vote = _split(values.get("vote", ""), ids)
        for pid in vote:
            if pid not in ids:
                raise PabulibError(line, f"vote for unknown project {pid!r} (not in PROJECTS)")
        if with_points:
            ballots.append(_points_ballot(line, voter, vote, _split(values.get("points", ""), set(vote))))
        else:
            ballots.append(Ballot(tuple(dict.fromkeys(vote)), None, voter))
    max_length = raw.meta.get("max_length")
    return Profile(kind, tuple(ballots), int(max_length) if max_length and max_length.isdigit() else None)


def _split(field_text: str, ids: set[str] | None = None) -> list[str]:
    """A comma-separated list; empty, or `None` (Pabulib's empty ballot) unless a project is called so."""
    if not field_text or (field_text.lower() == "none" and field_text not in (ids or ())):
        return []
    return [v.strip() for v in field_text.split(",") if v.strip()]


def _points_ballot(line: int, voter: str, vote: list[str], points: list[str]) -> Ballot:
    if len(points) != len(vote):
        raise PabulibError(line, f"{len(vote)} projects but {len(points)} points in this ballot")
    given: dict[str, Points] = {}
    for pid, text in zip(vote, points, strict=True):
        value = Fraction(_decimal(text, line, "points"))
        given[pid] = int(value) if value.denominator == 1 else value
    return Ballot(tuple(given), tuple(given.values()), voter)


def write_pabulib(election: PabulibElection) -> str:
    """The election as `.pb` text (LF line endings) that this reader and pabutools both read back.

    A field is quoted (doubling its quotes) when it holds `;`, a quote, any character some reader
    takes for a line break (`str.splitlines`'s set, CR and LF included) or edge spaces; project ids
    that a vote list cannot carry (empty, a comma, a line break, edge spaces) are refused."""
    out = io.StringIO()
    write_pabulib_to(out, election.meta, election.pot, election.profile.kind, election.profile.ballots,
                     len(election.profile))
    return out.getvalue()


def write_pabulib_to(out: TextIO, meta: dict[str, str], pot: Pot, kind: BallotKind, ballots: Iterable[Ballot],
                     count: int) -> None:
    """Write `count` ballots as `.pb` text to `out` as they come (the text `write_pabulib` gives):
    a file of any size without holding its ballots in memory."""
    for p in pot.projects:
        _check_id(p.id)

    def row(fields: list[str]) -> None:
        out.write(";".join(map(_field, fields)) + "\n")

    meta = {k: v for k, v in meta.items() if k not in _COMPUTED_META}
    meta.update(num_projects=str(len(pot.projects)), num_votes=str(count),
                budget=_units(pot, pot.budget), vote_type=kind.value)
    row(["META"])
    row(["key", "value"])
    for k, v in meta.items():
        row([k, v])
    row(["PROJECTS"])
    row(["project_id", "cost", "name"])
    for p in pot.projects:
        row([p.id, _units(pot, p.cost), p.name or p.id])
    with_points = kind in (BallotKind.CUMULATIVE, BallotKind.SCORING)
    # an empty points ballot is written `None`, as pabutools expects, unless a project is called so
    empty = "None" if with_points and not any(p.id.lower() == "none" for p in pot.projects) else ""
    row(["VOTES"])
    row(["voter_id", "vote", "points"] if with_points else ["voter_id", "vote"])
    for i, b in enumerate(ballots, start=1):
        fields = [b.voter_id or str(i), ",".join(b.selections) if b.selections else empty]
        if with_points:
            fields.append(",".join(_points_text(v) for v in b.points or ()) or "None")
        row(fields)


_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
"""Every character `str.splitlines` breaks a line on (pabutools reads files with it)."""
_QUOTE_IF = _BREAKS | {";", '"'}


def _field(value: str) -> str:
    if _QUOTE_IF.isdisjoint(value) and value == value.strip():
        return value
    return '"' + value.replace('"', '""') + '"'


def _check_id(project_id: str) -> None:
    if not project_id or "," in project_id or project_id != project_id.strip() or not _BREAKS.isdisjoint(project_id):
        raise ValueError(f"project id {project_id!r} cannot be written to Pabulib: ids are listed in votes "
                         "separated by commas, so an id must be non-empty, without commas, line breaks or edge spaces")


_COMPUTED_META = {"num_projects", "num_votes", "budget", "vote_type"}


def _units(pot: Pot, amount: int) -> str:
    return format(pot.to_units(amount), "f")


def _points_text(value: Points) -> str:
    if isinstance(value, int) or value.denominator == 1:
        return str(int(value))
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
