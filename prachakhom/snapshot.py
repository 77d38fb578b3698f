"""What the API has stored for one process, handed to the site generator.

The functions export a snapshot after every phase change; the generator merges it with the
content files (staff-entered forum proposals) and rebuilds that municipality's pages. Layout::

    <data>/<municipality>/<process>/snapshot.json   this model, as JSON
    <data>/<municipality>/<process>/ballots/<pot>.pb anonymised ballots (Pabulib), once voting closed

When it is written (so how fresh the static copy of comments is): on every phase change (staff or
the hourly scheduler) and whenever staff moderate a proposal; the pages' script replaces the copy
with the live list from the API.

Resident text in a snapshot is as untrusted as anywhere else: the generator escapes it, and the
models sanitise it on the way in (`prachakhom.text.sanitise_text`: no control, separator or bidi
character reaches a page or a ballot file, whatever was stored before the text rule existed).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field

from prachakhom.models import ManyLines, Model, OneLine, Proposal, Slug

SNAPSHOT_FILE = "snapshot.json"


class StoredProposal(Model):
    """A proposal submitted online and published by staff."""

    slug: Slug
    proposal: Proposal
    body: ManyLines = ""


class StoredComment(Model):
    """A published comment (or reply, with `parent`) as the static pages show it with JavaScript off.

    Only what the API shows residents anyway: never hidden comments (reported over the threshold),
    never replies to them, never contact data or reporters."""

    id: str
    parent: str | None = None
    author: OneLine
    text: ManyLines
    created_at: datetime


class ProcessSnapshot(Model):
    municipality: Slug
    process: Slug
    current_phase: Slug | None = None
    """Set by staff or the scheduler; wins over the content's `current_phase` and calendar."""
    phase_changed_at: datetime | None = None
    proposals: list[StoredProposal] = []
    comment_counts: dict[str, int] = Field(default_factory=dict)
    support_counts: dict[str, int] = Field(default_factory=dict)
    ballots_cast: int = Field(default=0, ge=0)
    comments: dict[str, list[StoredComment]] = Field(default_factory=dict)
    """Proposal slug → its published comments, oldest first (a copy as of `exported_at`)."""
    exported_at: datetime | None = None


def snapshot_dir(data_dir: Path, municipality: str, process: str) -> Path:
    return Path(data_dir) / municipality / process


def load_snapshot(data_dir: Path | None, municipality: str, process: str) -> ProcessSnapshot | None:
    if data_dir is None:
        return None
    path = snapshot_dir(data_dir, municipality, process) / SNAPSHOT_FILE
    if not path.is_file():
        return None
    return ProcessSnapshot.model_validate_json(path.read_text(encoding="utf-8"))


def save_snapshot(data_dir: Path, snapshot: ProcessSnapshot) -> Path:
    folder = snapshot_dir(data_dir, snapshot.municipality, snapshot.process)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SNAPSHOT_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(snapshot.model_dump_json(indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def ballot_files(data_dir: Path | None, municipality: str, process: str) -> dict[str, Path]:
    """Pot id → ballots file exported by the API for this process (empty if none)."""
    if data_dir is None:
        return {}
    folder = snapshot_dir(data_dir, municipality, process) / "ballots"
    return {p.stem: p for p in sorted(folder.glob("*.pb"))} if folder.is_dir() else {}
