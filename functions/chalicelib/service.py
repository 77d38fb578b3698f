"""What the routes do: content + stored data + the core's rules. Routes stay a few lines each.

Collaborators are injected (content loader, repository, clock, secret, rebuilder) so tests run the
same code against memory or DynamoDB with a fixed clock.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from chalicelib.errors import BadRequest, Conflict, NotFound, Unauthorized, Unprocessable, WrongPhase
from chalicelib.requests import (
    BallotIn,
    CommentIn,
    IdentityIn,
    ModerationIn,
    PhaseChangeIn,
    ProposalIn,
    ReportIn,
    SupportIn,
)
from chalicelib.storage.records import BallotRecord, CommentRecord, Feasibility, ProcessState, ProposalRecord
from chalicelib.storage.repository import (
    MAX_BALLOT_VERSIONS,
    AlreadyExists,
    NotStored,
    PhaseMismatch,
    Repository,
    StateMissing,
    StatusMismatch,
    TooManyVersions,
)
from prachakhom.ballot import (
    BallotProject,
    ballot_projects,
    check_ballot,
    normalize_receipt_code,
    pot_budgets,
    receipt_code,
)
from prachakhom.content import Content, MunicipalityDoc, ProcessDoc
from prachakhom.identity import age_on, is_valid_national_id, keyed_hash, voter_key
from prachakhom.messages import message
from prachakhom.models import PUBLIC_PROPOSAL_STATUSES, FeasibilityReview, PointsBallot, Proposal
from prachakhom.participation import check_action, phase_now, phases_allowing, voting_closed
from prachakhom.phase import days_left, next_phase

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
BALLOT_PROJECTS_TTL = 30.0
"""Seconds a warm container keeps a process's ballot projects (staff decide feasibility before voting)."""
PHASE_TTL = 5.0
"""Seconds a warm container trusts the phase it read when it *accepts* a ballot (a refusal re-reads).
A read, not a write: at most one GetItem per process per container every PHASE_TTL seconds."""

DECISIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"under_review"}), "published"),
    "reject": (frozenset({"under_review", "published"}), "rejected"),
    "feasible": (frozenset({"published", "feasible", "infeasible"}), "feasible"),
    "infeasible": (frozenset({"published", "feasible", "infeasible"}), "infeasible"),
}
"""Staff decision → (statuses a proposal may have for it, the status it gives)."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class Rebuilder(Protocol):
    def request(self, municipality: str, process: str) -> str: ...


@dataclass(frozen=True)
class Place:
    municipality: MunicipalityDoc
    process: ProcessDoc


class ParticipationService:
    def __init__(self, content: Callable[[], Content], repository: Repository, secret: bytes, clock: Clock,
                 rebuilder: Rebuilder, staff_tokens: dict[str, str]) -> None:
        self._content = content
        self.repository = repository
        self._secret = secret
        self.clock = clock
        self.rebuilder = rebuilder
        self._staff_tokens = staff_tokens
        self._projects: dict[tuple[str, str], tuple[float, dict[str, BallotProject]]] = {}
        self._phases: dict[tuple[str, str], tuple[float, ProcessState]] = {}
        self.phase_ttl = PHASE_TTL

    # --- places and phases ---------------------------------------------------------------------
    def place(self, municipality: str, process: str) -> Place:
        mdoc = self._municipality(municipality)
        pdoc = mdoc.processes.get(process)
        if pdoc is None:
            raise NotFound.one("unknown_process", ("path", "process"))
        return Place(mdoc, pdoc)

    def place_processes(self, municipality: str) -> list[str]:
        return list(self._municipality(municipality).processes)

    def _municipality(self, municipality: str) -> MunicipalityDoc:
        mdoc = self._content().municipalities.get(municipality)
        if mdoc is None:
            raise NotFound.one("unknown_municipality", ("path", "municipality"))
        return mdoc

    def state(self, place: Place) -> ProcessState:
        """The stored phase; stored now from content/calendar if the process has none yet."""
        m, p = place.municipality.slug, place.process.slug
        stored = self.repository.get_state(m, p)
        if stored is not None:
            return stored
        return self._init_state(place)

    def _init_state(self, place: Place) -> ProcessState:
        phase = phase_now(place.process.process, None, self.clock.now().date())
        return self.repository.init_state(
            ProcessState(place.municipality.slug, place.process.slug, phase.key, self.clock.now(), "content"))

    def _in_phase(self, place: Place, action: str, write: Callable[[Collection[str]], T]) -> T:
        """Run a phase-guarded write; store the initial phase and retry once if none is stored."""
        phases = phases_allowing(place.process.rules, action)
        try:
            try:
                return write(phases)
            except StateMissing:
                self._init_state(place)
                return write(phases)
        except PhaseMismatch as err:
            raise self._wrong_phase(place, err.current, action) from None

    def _wrong_phase(self, place: Place, current: str, action: str) -> WrongPhase:
        refusal = check_action(place.process.rules, place.process.process, current, action)
        msg = refusal.message if refusal else message("invalid")
        return WrongPhase.one("wrong_phase", ("path", "process"), msg=msg)

    def _open_for(self, place: Place, action: str) -> ProcessState:
        """The phase for an unguarded write (ballots), from a per-container cache at most `phase_ttl` old.

        Only an *accepting* answer comes from the cache; a refusal is re-read from the table first.
        """
        key = (place.municipality.slug, place.process.slug)
        allowed = phases_allowing(place.process.rules, action)
        cached = _fresh(self._phases, key, self.phase_ttl)
        if cached is not None and cached.phase in allowed:
            return cached
        state = self.state(place)
        self._phases[key] = (time.monotonic(), state)
        if state.phase not in allowed:
            raise self._wrong_phase(place, state.phase, action)
        return state

    def process_view(self, municipality: str, process: str) -> dict[str, Any]:
        place = self.place(municipality, process)
        state = self.state(place)
        doc, rules = place.process, place.process.rules
        today = self.clock.now().date()
        current = phase_now(doc.process, state.phase, today)
        budget = doc.process.budget
        return {
            "ok": True,
            "municipality": {"slug": municipality, "name": place.municipality.municipality.name},
            "process": {"slug": process, "title": doc.process.title, "kind": rules.kind,
                        "fiscal_year": doc.process.fiscal_year},
            "phase": {"key": current.key, "name": rules.phase(current.key).name, "start": current.start.isoformat(),
                      "end": current.end.isoformat(), "actions": rules.phase(current.key).actions,
                      "days_left": days_left(current, today), "changed_at": state.changed_at.isoformat()},
            "phases": [{"key": p.key, "name": rules.phase(p.key).name, "start": p.start.isoformat(),
                        "end": p.end.isoformat(), "actions": rules.phase(p.key).actions} for p in doc.process.phases],
            "budget": None if budget is None else {"total": budget.total,
                                                   "pots": pot_budgets(doc, place.municipality.municipality)},
            "ballot": rules.ballot.model_dump(),
            "allow_ballot_change": rules.allow_ballot_change,
            "eligibility": {"minimum_age": rules.eligibility.minimum_age, "identity": rules.eligibility.identity},
            "categories": [{"key": c.key, "name": c.name} for c in rules.categories],
            "voting_closed": voting_closed(rules, current.key),
        }

    # --- proposals -----------------------------------------------------------------------------
    def submit_proposal(self, municipality: str, process: str, body: ProposalIn, idem: str) -> tuple[dict, bool]:
        place = self.place(municipality, process)
        self._check_place_fields(place, body)
        slug = "online-" + _digest(municipality, process, "proposal", idem)[:10]
        record = ProposalRecord(
            municipality=municipality, process=process, slug=slug, title=body.title, summary=body.summary,
            description=body.description, category=body.category, village=body.village, cost=body.cost,
            author=body.author, submitted_at=self.clock.now(), status="under_review", idem_key=idem)
        stored, created = self._in_phase(
            place, "propose", lambda ph: self.repository.add_proposal(record, body.contact or None, ph))
        return {"ok": True, "proposal": _proposal_view(stored), "created": created}, created

    def _check_place_fields(self, place: Place, body: ProposalIn) -> None:
        rules, errors = place.process.rules, []
        keys = [c.key for c in rules.categories]
        if body.category not in keys:
            errors.append({"loc": ["body", "category"], "code": "unknown_category",
                           "msg": message("unknown_category", choices=", ".join(keys))})
        villages = {v.number for v in place.municipality.municipality.villages}
        if body.village is not None and body.village not in villages:
            errors.append({"loc": ["body", "village"], "code": "unknown_village",
                           "msg": message("unknown_village", village=body.village)})
        for field in rules.proposal_form:
            value = getattr(body, field.key, None)
            if field.max_length and isinstance(value, str) and len(value) > field.max_length:
                errors.append({"loc": ["body", field.key], "code": "string_too_long",
                               "msg": message("string_too_long", max_length=field.max_length)})
            if field.required and field.key in ProposalIn.model_fields and value in (None, ""):
                errors.append({"loc": ["body", field.key], "code": "missing", "msg": message("missing")})
        if errors:
            raise BadRequest(errors)

    def public_proposals(self, municipality: str, process: str) -> list[dict[str, Any]]:
        place = self.place(municipality, process)
        views = [_content_proposal_view(slug, d.proposal, d.body) for slug, d in place.process.proposals.items()
                 if d.proposal.status in PUBLIC_PROPOSAL_STATUSES]
        views += [_proposal_view(r) for r in self.repository.list_proposals(municipality, process)
                  if r.status in PUBLIC_PROPOSAL_STATUSES]
        counts = self.comment_counts(municipality, process)
        supports = self.repository.support_counts(municipality, process)
        for v in views:
            v["comment_count"] = counts.get(v["slug"], 0)
            v["support_count"] = supports.get(v["slug"], 0)
        return sorted(views, key=lambda v: v["slug"])

    def public_proposal(self, municipality: str, process: str, slug: str) -> dict[str, Any]:
        view = self._public_proposal(municipality, process, slug)
        view["support_count"] = self.repository.support_counts(municipality, process, slug).get(slug, 0)
        return view

    def _public_proposal(self, municipality: str, process: str, slug: str) -> dict[str, Any]:
        place = self.place(municipality, process)
        doc = place.process.proposals.get(slug)
        if doc is not None and doc.proposal.status in PUBLIC_PROPOSAL_STATUSES:
            return _content_proposal_view(slug, doc.proposal, doc.body)
        record = self.repository.get_proposal(municipality, process, slug)
        if record is None or record.status not in PUBLIC_PROPOSAL_STATUSES:
            raise NotFound.one("unknown_proposal", ("path", "proposal"))
        return _proposal_view(record)

    # --- comments ------------------------------------------------------------------------------
    def add_comment(self, municipality: str, process: str, slug: str, body: CommentIn, idem: str
                    ) -> tuple[dict, bool]:
        place = self.place(municipality, process)
        self._public_proposal(municipality, process, slug)
        if body.parent_id and self.repository.get_comment(municipality, process, slug, body.parent_id) is None:
            raise Unprocessable.one("parent_not_found", ("body", "parent_id"))
        record = CommentRecord(
            municipality=municipality, process=process, proposal=slug,
            id="c" + _digest(municipality, process, slug, "comment", idem)[:12], author=body.author,
            text=body.text, created_at=self.clock.now(), parent_id=body.parent_id, idem_key=idem)
        stored, created = self._in_phase(place, "comment", lambda ph: self.repository.add_comment(record, ph))
        return {"ok": True, "comment": _comment_view(stored), "created": created}, created

    def comments(self, municipality: str, process: str, slug: str) -> list[dict[str, Any]]:
        self._public_proposal(municipality, process, slug)
        return [_comment_view(c) for c in self.repository.list_comments(municipality, process, slug)]

    def report_comment(self, municipality: str, process: str, slug: str, comment_id: str, body: ReportIn,
                       idem: str) -> dict[str, Any]:
        """Count one report per distinct reporter; hide the comment at the process's threshold.

        The reporter is the page's `reporter` token (a random id kept in localStorage): best effort
        without login — a resident who clears the browser's storage reports again as someone new.
        """
        place = self.place(municipality, process)
        reporter = _digest(municipality, process, "reporter", f"token:{body.reporter}")[:16]
        try:
            comment = self.repository.report_comment(municipality, process, slug, comment_id, reporter,
                                                     place.process.rules.comment_report_threshold)
        except NotStored:
            raise NotFound.one("unknown_comment", ("path", "comment")) from None
        except AlreadyExists:
            comment = self.repository.get_comment(municipality, process, slug, comment_id)
            assert comment is not None
            return {"ok": True, "comment": _comment_view(comment), "created": False}
        return {"ok": True, "comment": _comment_view(comment), "created": True}

    def comment_counts(self, municipality: str, process: str) -> dict[str, int]:
        return visible_comment_counts(self.repository.list_comments(municipality, process))

    # --- ballots -------------------------------------------------------------------------------
    def ballot_projects(self, place: Place) -> dict[str, BallotProject]:
        key = (place.municipality.slug, place.process.slug)
        cached = _fresh(self._projects, key, BALLOT_PROJECTS_TTL)
        if cached is not None:
            return cached
        online = [(r.slug, _as_proposal(r)) for r in self.repository.list_proposals(*key)]
        projects = ballot_projects(place.process, online)
        self._projects[key] = (time.monotonic(), projects)
        return projects

    def _eligible(self, place: Place, body: IdentityIn) -> str:
        """Check the resident's eligibility under the rules in force; their voter key (an HMAC) for this process."""
        rules = place.process.rules
        today = self.clock.now().date()
        if not is_valid_national_id(body.national_id):
            raise Unprocessable.one("invalid_national_id", ("body", "national_id"))
        if body.birth_date > today:
            raise Unprocessable.one("birth_date_future", ("body", "birth_date"))
        if age_on(body.birth_date, today) < rules.eligibility.minimum_age:
            raise Unprocessable.one("too_young", ("body", "birth_date"), minimum_age=rules.eligibility.minimum_age)
        return voter_key(self._secret, place.municipality.slug, place.process.slug, body.national_id)

    def _valid_ballot(self, place: Place, body: BallotIn) -> tuple[str, str, dict[str, dict[str, int]]]:
        """(ballot id, receipt code, choices) of a valid ballot from an eligible voter: both keyed hashes
        of the voter key, so the same voter always gets the same receipt and the same ballot item."""
        key = self._eligible(place, body)
        rules = place.process.rules
        choices = _choices(body, isinstance(rules.ballot, PointsBallot))
        budgets = pot_budgets(place.process, place.municipality.municipality)
        problems = check_ballot(rules, choices, self.ballot_projects(place), budgets)
        if problems:
            raise Unprocessable([{"loc": list(p.loc), "code": p.code, "msg": p.msg} for p in problems])
        return keyed_hash(self._secret, "ballot", key), receipt_code(self._secret, key), choices

    # --- supports (idea consultations) ---------------------------------------------------------
    def support(self, municipality: str, process: str, slug: str, body: SupportIn) -> tuple[dict, bool]:
        """One support per eligible resident per idea (conditional put keyed by an HMAC of the voter key),
        phase-guarded like proposals; a repeat is not an error (200, `created: false`)."""
        place = self.place(municipality, process)
        self._public_proposal(municipality, process, slug)
        supporter = keyed_hash(self._secret, "support", self._eligible(place, body))
        created = self._in_phase(place, "support", lambda ph: self.repository.add_support(
            municipality, process, slug, supporter, self.clock.now(), ph))
        count = self.repository.support_counts(municipality, process, slug).get(slug, 0)
        return {"ok": True, "proposal": slug, "support_count": count, "created": created}, created

    def cast_ballot(self, municipality: str, process: str, body: BallotIn, idem: str) -> tuple[dict, bool]:
        """Store a voter's ballot with ONE conditional PutItem under its receipt code (one ballot per
        voter: the same voter gives the same receipt, hence the same key).

        Why nothing cast after the close is counted, although the write does not check the phase:

        1. the phase is read (cached up to `phase_ttl` seconds per container) and must allow voting;
        2. `cast_at` is the server clock read *after* that check, and is stored in the ballot;
        3. closing the vote (staff or scheduler) stores `vote_closed_at` = the server clock in the STATE
           item, with a conditional update (exactly one close);
        4. the count — the exported ballot files and the receipt check — takes, per voter, the last
           version with `at <= vote_closed_at` (`BallotRecord.counted`).

        So a ballot accepted on a stale cache after the close has `cast_at > vote_closed_at`: it is
        stored, not counted, and its receipt check says so in Thai. A ballot with `cast_at <=
        vote_closed_at` passed the check before the close and is counted; its write lands within the
        API function's timeout, and the rebuild after a close waits `PRACHAKHOM_CLOSE_GRACE` seconds
        (default 30 > the 15 s timeout) before exporting. Both clocks are Lambda hosts' clocks (Amazon
        Time Sync): a ballot within that skew of the close may fall either side, and its receipt
        tells which. Changes follow the same rule per version (see `change_ballot`).

        A voter who votes again is told their receipt code (the same one: it derives from the ID), so
        a lost receipt is found by entering the ID again. Two voters whose 60-bit receipts collide
        (`prachakhom.ballot.RECEIPT_BITS`) are never merged: the second is refused (`receipt_collision`).
        """
        place = self.place(municipality, process)
        ballot_id, receipt, choices = self._valid_ballot(place, body)
        self._open_for(place, "vote")
        now = self.clock.now()
        record = BallotRecord(municipality=municipality, process=process, ballot_id=ballot_id, choices=choices,
                              receipt=receipt, cast_at=now, idem_key=idem)
        stored, created = self.repository.cast_ballot(record)
        if not created and stored.ballot_id != ballot_id:
            raise Conflict.one("receipt_collision", ("body", "national_id"))
        if not created and stored.idem_key != idem:
            code = "already_voted_can_change" if place.process.rules.allow_ballot_change else "already_voted"
            raise Conflict.one(code, ("body", "national_id"), receipt=stored.receipt)
        return _ballot_view(stored, created), created

    def change_ballot(self, municipality: str, process: str, body: BallotIn, idem: str) -> dict[str, Any]:
        """ONE conditional UpdateItem that needs the voter's ballot: appends a version stamped with the
        server time. A change accepted on a stale cache after the close is stored but not counted:
        the count keeps the last version written at or before the close."""
        place = self.place(municipality, process)
        if not place.process.rules.allow_ballot_change:
            raise Conflict.one("change_not_allowed", ("path", "process"))
        ballot_id, receipt, choices = self._valid_ballot(place, body)
        existing = self.repository.get_ballot(municipality, process, receipt)
        if (existing is not None and existing.ballot_id == ballot_id and existing.idem_key == idem
                and existing.choices == choices):
            return _ballot_view(existing, False)
        self._open_for(place, "vote")
        now = self.clock.now()
        record = BallotRecord(municipality=municipality, process=process, ballot_id=ballot_id, choices=choices,
                              receipt=receipt, cast_at=now, changed_at=now, idem_key=idem)
        try:
            stored = self.repository.change_ballot(record)
        except NotStored:
            raise NotFound.one("no_ballot", ("body", "national_id")) from None
        except TooManyVersions:
            raise Conflict.one("too_many_changes", ("body", "choices"), maximum=MAX_BALLOT_VERSIONS - 1) from None
        return _ballot_view(stored, False)

    def check_receipt(self, municipality: str, process: str, code: str) -> dict[str, Any]:
        """Whether the ballot is stored and, once the vote closed, whether (and which version) is counted.
        The ballot's key is its receipt code: one GetItem."""
        place = self.place(municipality, process)
        ballot = self.repository.get_ballot(municipality, process, normalize_receipt_code(code))
        if ballot is None:
            raise NotFound.one("unknown_receipt", ("path", "receipt"))
        state = self.state(place)
        latest = ballot.all_versions()[-1]
        shown, status, note = latest, "pending", message("receipt_pending")
        if voting_closed(place.process.rules, state.phase):
            counted = ballot.counted(state.vote_closed_at)
            if counted is None:
                status, note = "not_counted", message("receipt_after_close")
            else:
                shown, status = counted, "counted"
                note = message("receipt_counted" if counted == latest else "receipt_change_after_close")
        return {"ok": True, "receipt": ballot.receipt, "recorded": True, "counted": status == "counted",
                "status": status, "msg": note, "cast_at": ballot.cast_at.isoformat(),
                "counted_version_at": shown.at.isoformat() if status == "counted" else None,
                "version": ballot.version, "pots": sorted(p for p, c in shown.choices.items() if c)}

    # --- staff ---------------------------------------------------------------------------------
    def authorize(self, municipality: str, authorization: str | None) -> None:
        expected = self._staff_tokens.get(municipality)
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not expected or not given or not hmac.compare_digest(expected, given):
            raise Unauthorized.one("unauthorized", ("header", "authorization"))

    def advance_phase(self, municipality: str, process: str, body: PhaseChangeIn, idem: str) -> dict[str, Any]:
        place = self.place(municipality, process)
        state = self.state(place)
        if state.change_key == idem:
            return self._phase_result(place, state, replay=True)
        if body.expected_phase and body.expected_phase != state.phase:
            raise Conflict.one("phase_conflict", ("body", "expected_phase"), current=state.phase,
                               expected=body.expected_phase)
        following = next_phase(place.process.process, state.phase)
        if following is None:
            raise Conflict.one("last_phase", ("path", "process"), current=state.phase)
        vote = phases_allowing(place.process.rules, "vote")
        closes_vote = state.phase in vote and following.key not in vote
        self._phases.pop((municipality, process), None)
        try:
            new = self.repository.change_phase(municipality, process, state.phase, following.key,
                                               self.clock.now(), idem, closes_vote=closes_vote)
        except PhaseMismatch as err:
            raise Conflict.one("phase_conflict", ("body", "expected_phase"), current=err.current,
                               expected=state.phase) from None
        result = self._phase_result(place, new, replay=False)
        result["previous"] = state.phase
        result["rebuild"] = self.rebuilder.request(municipality, process)
        return result

    def _phase_result(self, place: Place, state: ProcessState, replay: bool) -> dict[str, Any]:
        return {"ok": True, "phase": state.phase, "name": place.process.rules.phase(state.phase).name,
                "changed_at": state.changed_at.isoformat(), "replay": replay}

    def advance_due(self, today: date) -> list[tuple[str, str, str]]:
        """Scheduler: move every process whose stored phase has ended (one step per run)."""
        moved = []
        for mslug, mdoc in self._content().municipalities.items():
            for pslug, pdoc in mdoc.processes.items():
                place = Place(mdoc, pdoc)
                state = self.state(place)
                current = phase_now(pdoc.process, state.phase, today)
                if current.end >= today or next_phase(pdoc.process, current.key) is None:
                    continue
                key = f"schedule:{current.key}:{today.isoformat()}"
                self.advance_phase(mslug, pslug, PhaseChangeIn(expected_phase=current.key), key)
                moved.append((mslug, pslug, current.key))
        return moved

    def moderate(self, municipality: str, process: str, slug: str, body: ModerationIn) -> dict[str, Any]:
        self.place(municipality, process)
        expected, status = DECISIONS[body.decision]
        feasibility = None
        if body.decision in ("feasible", "infeasible"):
            if not body.answer:
                raise BadRequest.one("missing", ("body", "answer"))
            feasibility = Feasibility(body.decision == "feasible", body.answer, body.revised_cost)
        try:
            record = self.repository.set_proposal_status(municipality, process, slug, expected, status, feasibility)
        except NotStored:
            raise NotFound.one("unknown_proposal", ("path", "proposal")) from None
        except StatusMismatch as err:
            if err.current == status:
                record = self.repository.get_proposal(municipality, process, slug)
                assert record is not None
                return {"ok": True, "proposal": _proposal_view(record), "replay": True}
            raise Conflict.one("bad_decision", ("body", "decision"), decision=body.decision,
                               status=err.current) from None
        self._projects.pop((municipality, process), None)
        # the static pages show published proposals and a copy of the comments: refresh them now
        return {"ok": True, "proposal": _proposal_view(record), "replay": False,
                "rebuild": self.rebuilder.request(municipality, process)}

    def staff_proposals(self, municipality: str, process: str) -> list[dict[str, Any]]:
        self.place(municipality, process)
        out = []
        for r in self.repository.list_proposals(municipality, process):
            view = _proposal_view(r)
            view["contact"] = self.repository.get_contact(municipality, process, r.slug)
            out.append(view)
        return out


def visible_comment_counts(comments: Iterable[CommentRecord]) -> dict[str, int]:
    """Proposal slug → comments not hidden (proposals without any are absent)."""
    return dict(Counter(c.proposal for c in comments if not c.hidden))


def _fresh(entries: dict[K, tuple[float, V]], key: K, ttl: float) -> V | None:
    """The value stored under `key` less than `ttl` seconds ago (monotonic clock), else None."""
    hit = entries.get(key)
    return hit[1] if hit is not None and time.monotonic() - hit[0] < ttl else None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _choices(body: BallotIn, points: bool) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    errors = []
    for pot, chosen in body.choices.items():
        if points and isinstance(chosen, list):
            errors.append({"loc": ["body", "choices", pot], "code": "points_expected", "msg": message("points_expected")})
        elif not points and isinstance(chosen, dict):
            errors.append({"loc": ["body", "choices", pot], "code": "list_expected", "msg": message("list_expected")})
        elif isinstance(chosen, list):
            dupes = sorted({s for s in chosen if chosen.count(s) > 1})
            errors += [{"loc": ["body", "choices", pot, s], "code": "duplicate_project",
                        "msg": message("duplicate_project", project=s)} for s in dupes]
            out[pot] = dict.fromkeys(chosen, 1)
        else:
            out[pot] = dict(chosen)
    if errors:
        raise Unprocessable(errors)
    return out


def _as_proposal(r: ProposalRecord) -> Proposal:
    review = None
    if r.feasibility is not None:
        review = FeasibilityReview(feasible=r.feasibility.feasible, answer=r.feasibility.answer,
                                   revised_cost=r.feasibility.revised_cost)
    return Proposal(title=r.title, summary=r.summary[:500], category=r.category, village=r.village, cost=r.cost,
                    author=r.author, submitted_on=r.submitted_at.date(), source="online", status=r.status,  # type: ignore[arg-type]
                    feasibility=review, slug=r.slug)


def _proposal_view(r: ProposalRecord) -> dict[str, Any]:
    return {"slug": r.slug, "title": r.title, "summary": r.summary, "description": r.description,
            "category": r.category, "village": r.village, "cost": r.cost, "author": r.author, "status": r.status,
            "source": "online", "submitted_on": r.submitted_at.date().isoformat(),
            "feasibility": _feasibility_view(r.feasibility)}


def _content_proposal_view(slug: str, p: Proposal, body: str) -> dict[str, Any]:
    return {"slug": slug, "title": p.title, "summary": p.summary, "description": body, "category": p.category,
            "village": p.village, "cost": p.cost, "author": p.author, "status": p.status, "source": p.source,
            "submitted_on": p.submitted_on.isoformat(), "feasibility": _feasibility_view(p.feasibility)}


def _feasibility_view(f: Feasibility | FeasibilityReview | None) -> dict[str, Any] | None:
    return None if f is None else {"feasible": f.feasible, "answer": f.answer, "revised_cost": f.revised_cost}


def _comment_view(c: CommentRecord) -> dict[str, Any]:
    return {"id": c.id, "proposal": c.proposal, "parent_id": c.parent_id, "author": None if c.hidden else c.author,
            "text": None if c.hidden else c.text, "hidden": c.hidden, "created_at": c.created_at.isoformat()}


def _ballot_view(b: BallotRecord, created: bool) -> dict[str, Any]:
    return {"ok": True, "receipt": b.receipt, "version": b.version, "created": created,
            "choices": b.choices, "cast_at": b.cast_at.isoformat()}
