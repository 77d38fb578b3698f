"""Phase change → export stored data → rebuild that municipality's pages → publish.

Export (what the site generator reads, see `prachakhom.snapshot`)::

    <data>/<municipality>/<process>/snapshot.json      phase, published online proposals, counts
    <data>/<municipality>/<process>/ballots/<pot>.pb   anonymised ballots, once voting has closed

Publishing: locally into the folder the demo serves (`PRACHAKHOM_SITE_DIR`); on AWS the API invokes
the `rebuild` Lambda asynchronously, which builds into /tmp and syncs `<municipality>/` in the site
bucket (`PRACHAKHOM_SITE_BUCKET`): only the files that changed are uploaded, and only the changed
pages invalidated in CloudFront (`chalicelib.publish`). Only that municipality is rebuilt, from the
content the catalog has loaded (no folder is read), then its province's page and the national front
page are refreshed (`site_generator.national`): in the served folder, or in the bucket.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.services.ballots import ballot_projects_of
from chalicelib.services.comments import visible_comment_counts
from chalicelib.services.gate import Clock, Place, find_municipality, read_state
from chalicelib.storage.records import BallotRecord, CommentRecord, ProposalRecord
from chalicelib.storage.repository import Repository
from prachakhom.ballot import BallotProject, withdrawn_from_ballot
from prachakhom.content import MunicipalityCatalog
from prachakhom.eligibility import without_withdrawn
from prachakhom.models import PUBLIC_PROPOSAL_STATUSES
from prachakhom.participation import voting_closed
from prachakhom.snapshot import ProcessSnapshot, StoredComment, StoredProposal, save_snapshot, snapshot_dir

if TYPE_CHECKING:
    from chalicelib.publish import PublishReport


class Sources(Protocol):
    """What an export reads: content (one municipality at a time), the stored data, the time.
    The API's services have all three (`context.Services`)."""

    @property
    def catalog(self) -> MunicipalityCatalog: ...

    @property
    def repository(self) -> Repository: ...

    @property
    def clock(self) -> Clock: ...


def export_process(sources: Sources, place: Place, data_dir: Path) -> Path:
    """Write the snapshot (and, after the vote, the ballots per pot) of one process."""
    m, p = place.key
    repo = sources.repository
    state = read_state(repo, sources.clock, place)  # the rebuild's role only reads the table
    online = [r for r in repo.list_proposals(m, p) if r.status in PUBLIC_PROPOSAL_STATUSES]
    comments = repo.list_comments(m, p)  # one read for the counts and the published copy
    closed = voting_closed(place.rules, state.phase)
    ballots = counted_choices(repo.list_ballots(m, p), state.vote_closed_at if closed else None,
                              withdrawn_of(place, online))
    snapshot = ProcessSnapshot(
        municipality=m, process=p, current_phase=state.phase, phase_changed_at=state.changed_at,
        proposals=[StoredProposal(slug=r.slug, proposal=r.as_proposal(), body=r.description) for r in online],
        comment_counts=visible_comment_counts(comments), support_counts=repo.support_counts(m, p),
        ballots_cast=len(ballots), comments=published_comments(comments),
        exported_at=sources.clock.now(),
    )
    path = save_snapshot(data_dir, snapshot)
    folder = snapshot_dir(data_dir, m, p) / "ballots"
    shutil.rmtree(folder, ignore_errors=True)
    if closed and ballots:
        write_ballot_files(place, ballot_projects_of(repo, place), ballots, folder)
    return path


def published_comments(records: list[CommentRecord]) -> dict[str, list[StoredComment]]:
    """Proposal slug → comments the static page may show: never hidden ones (reported over the
    threshold) nor replies to them; only id, parent, author, text and time (no reporters, no keys)."""
    hidden = {c.id for c in records if c.hidden}
    out: dict[str, list[StoredComment]] = {}
    for c in sorted(records, key=lambda c: (c.created_at, c.id)):
        if c.hidden or c.parent_id in hidden:
            continue
        out.setdefault(c.proposal, []).append(StoredComment(
            id=c.id, parent=c.parent_id, author=c.author, text=c.text, created_at=c.created_at))
    return out


def withdrawn_of(place: Place, online: list[ProposalRecord]) -> frozenset[str]:
    """Projects withdrawn from the ballot during the vote, in content or stored online."""
    return withdrawn_from_ballot([*((s, d.proposal) for s, d in place.process.proposals.items()),
                                  *((r.slug, r.as_proposal()) for r in online)])


def counted_choices(ballots: list[BallotRecord], closed_at: datetime | None,
                    withdrawn: frozenset[str] = frozenset()) -> list[dict[str, dict[str, int]]]:
    """What the count takes: per ballot, the last version written at or before the close (see
    `services/ballots.py`); ballots cast after it are left out; votes for a withdrawn project are
    ignored, the ballot's other choices kept (`prachakhom.eligibility.without_withdrawn`).

    In `ballot_id` order, never the stored (receipt) order: published voters are numbered 1..n in
    this order, and receipt order would let whoever holds a receipt guess its voter's place in the file.
    """
    versions = [b.counted(closed_at) for b in sorted(ballots, key=lambda b: b.ballot_id)]
    return [without_withdrawn(v.choices, withdrawn) for v in versions if v is not None]


def write_ballot_files(place: Place, projects: dict[str, BallotProject],
                       ballots: list[dict[str, dict[str, int]]], folder: Path) -> None:
    """One Pabulib file per pot: project ids = proposal slugs, voters numbered, nothing else kept."""
    folder.mkdir(parents=True, exist_ok=True)
    for pot_id, text in ballot_files(place, projects, ballots).items():
        (folder / f"{pot_id}.pb").write_text(text, encoding="utf-8")


def ballot_files(place: Place, projects: dict[str, BallotProject],
                 ballots: list[dict[str, dict[str, int]]]) -> dict[str, str]:
    """Pot id → the text of its Pabulib file (pots with projects on the ballot)."""
    from prachakhom.ballot import tally_pot
    from prachakhom.counting import tally_kind
    from prachakhom.pots import pot_budgets
    from prachakhom.tally.election import Ballot, BallotKind, Profile
    from prachakhom.tally.export import export_pb

    rules = place.process.rules
    kind = tally_kind(rules.ballot.kind)  # the core's one definition: points ballots are cumulative
    points = kind is BallotKind.CUMULATIVE
    files: dict[str, str] = {}
    for pot_id, budget in pot_budgets(rules, place.process.process.budget, place.municipality.municipality).items():
        pot = tally_pot(pot_id, budget, projects)
        if not pot.projects:
            continue
        chosen = [b[pot_id] for b in ballots if b.get(pot_id)]
        profile = Profile(kind, tuple(
            Ballot(tuple(c), tuple(c.values()) if points else None) for c in chosen))
        meta = {"description": f"{place.process.process.title} — {pot_id}", "unit": place.municipality.slug,
                "subunit": pot_id, "instance": f"{place.municipality.slug}/{place.process.slug}",
                "rule": rules.tally.method, "language": "th"}
        files[pot_id] = export_pb(pot, profile, meta)
    return files


def export_municipality(sources: Sources, municipality: str, data_dir: Path) -> None:
    """Export every process of the municipality (its content only: the catalog's one municipality)."""
    mdoc = find_municipality(sources.catalog, municipality)
    for pdoc in mdoc.processes.values():
        export_process(sources, Place(mdoc, pdoc), data_dir)


def build_municipality(content_dir: Path, output_dir: Path, data_dir: Path, municipality: str,
                       site_url: str) -> Path:
    """One municipality's site from a content folder (only it is read), the national index beside it."""
    from site_generator.build import build_all

    built = build_all(content_dir=content_dir, output_dir=output_dir, only=municipality, data_dir=data_dir,
                      site_url=site_url, progress=False, api_url=_api_url())
    return built[0]


class NoRebuilder:
    """Rebuilds switched off (`PRACHAKHOM_REBUILD=off`): accepted, nothing done."""

    def request(self, municipality: str, process: str) -> str:
        return "off"


class LocalRebuilder:
    """Export + build into the folder the demo serves, in the request (the demo is one machine)."""

    def __init__(self, sources: Sources, data_dir: Path, site_dir: Path, site_url: str) -> None:
        self.sources = sources
        self.data_dir, self.site_dir, self.site_url = data_dir, site_dir, site_url

    def request(self, municipality: str, process: str) -> str:
        from site_generator.build import rebuild_municipality
        from site_generator.national import FolderShelf

        export_municipality(self.sources, municipality, self.data_dir)
        rebuild_municipality(find_municipality(self.sources.catalog, municipality), self.site_dir,
                             FolderShelf(self.site_dir), self.data_dir, self.site_url, api_url=_api_url())
        return "built"


class LambdaRebuilder:
    """Invoke the `rebuild` function asynchronously (InvocationType=Event): the API returns at once."""

    def __init__(self, lambda_client: Any, function_name: str) -> None:
        self._client, self.function_name = lambda_client, function_name

    def request(self, municipality: str, process: str) -> str:
        payload = json.dumps({"municipality": municipality, "process": process}).encode()
        self._client().invoke(FunctionName=self.function_name, InvocationType="Event", Payload=payload)
        return "queued"


def rebuild_to_bucket(sources: Sources, s3: Any, bucket: str, municipality: str, site_url: str,
                      cloudfront: Any = None, distribution_id: str | None = None) -> PublishReport:
    """Build one municipality under /tmp from the catalog's content and make `<municipality>/` in the
    bucket equal to it: only the files that changed are uploaded, and only the changed pages
    invalidated (`chalicelib.publish`); then refresh its province's page and the front page in the
    bucket (counted in the report's `files`)."""
    from chalicelib.publish import publish_folder
    from chalicelib.storage.site_bucket import BucketShelf
    from site_generator.build import build_loaded, refresh_national_index

    work = Path(tempfile.mkdtemp(prefix="prachakhom-"))
    try:
        data_dir, out = work / "data", work / "site"
        export_municipality(sources, municipality, data_dir)
        doc = find_municipality(sources.catalog, municipality)
        today = sources.clock.now().date()
        built, summary = build_loaded(doc, out, data_dir, site_url, today, api_url=_api_url())
        report = publish_folder(s3, bucket, built, municipality, cloudfront=cloudfront,
                                distribution_id=distribution_id)
        report.files += refresh_national_index(BucketShelf(s3, bucket), [summary], work / ".work", site_url, today)
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _api_url() -> str:
    return os.environ.get("PRACHAKHOM_API_URL", "")
