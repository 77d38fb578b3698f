"""The API's JSON shapes: what each route answers, from what the services return.

One function per answer; the field names are the API's contract (README "The API"). Resident text
goes out as stored: the pages escape it where it lands. Proposers' contacts appear only in
`staff_proposals`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the routes import this module: nothing heavy at the API's cold start
    from chalicelib.services.ballots import ReceiptCheck
    from chalicelib.services.moderation import Decision
    from chalicelib.services.phases import PhaseMove, ProcessNow
    from chalicelib.services.proposals import PublicProposal
    from chalicelib.services.supports import Support
    from chalicelib.storage.records import BallotRecord, CommentRecord, Feasibility, ProposalRecord
    from prachakhom.models import FeasibilityReview

# --- proposals ------------------------------------------------------------------------------------


def proposal_view(r: ProposalRecord) -> dict[str, Any]:
    """A proposal submitted online (stored)."""
    return {"slug": r.slug, "title": r.title, "summary": r.summary, "description": r.description,
            "category": r.category, "village": r.village, "cost": r.cost, "author": r.author, "status": r.status,
            "source": "online", "submitted_on": r.submitted_at.date().isoformat(),
            "feasibility": feasibility_view(r.feasibility)}


def public_proposal_view(found: PublicProposal) -> dict[str, Any]:
    """A published proposal, from content (forum, staff) or stored, with the counts the service gave."""
    if found.record is not None:
        view = proposal_view(found.record)
    else:
        assert found.doc is not None
        p = found.doc.proposal
        view = {"slug": found.slug, "title": p.title, "summary": p.summary, "description": found.doc.body,
                "category": p.category, "village": p.village, "cost": p.cost, "author": p.author,
                "status": p.status, "source": p.source, "submitted_on": p.submitted_on.isoformat(),
                "feasibility": feasibility_view(p.feasibility)}
    if found.comment_count is not None:
        view["comment_count"] = found.comment_count
    if found.support_count is not None:
        view["support_count"] = found.support_count
    return view


def feasibility_view(f: Feasibility | FeasibilityReview | None) -> dict[str, Any] | None:
    return None if f is None else {"feasible": f.feasible, "answer": f.answer, "revised_cost": f.revised_cost}


def published_proposals(found: list[PublicProposal]) -> dict[str, Any]:
    return {"ok": True, "proposals": [public_proposal_view(p) for p in found]}


def published_proposal(found: PublicProposal) -> dict[str, Any]:
    return {"ok": True, "proposal": public_proposal_view(found)}


def submitted_proposal(record: ProposalRecord, created: bool) -> dict[str, Any]:
    return {"ok": True, "proposal": proposal_view(record), "created": created}


# --- comments and supports ------------------------------------------------------------------------


def comment_view(c: CommentRecord) -> dict[str, Any]:
    """A comment; a hidden one keeps its place in the thread without its author and text."""
    return {"id": c.id, "proposal": c.proposal, "parent_id": c.parent_id, "author": None if c.hidden else c.author,
            "text": None if c.hidden else c.text, "hidden": c.hidden, "created_at": c.created_at.isoformat()}


def comments(records: list[CommentRecord]) -> dict[str, Any]:
    return {"ok": True, "comments": [comment_view(c) for c in records]}


def comment_written(record: CommentRecord, created: bool) -> dict[str, Any]:
    """A comment added, or a report counted (`created`: this request stored something)."""
    return {"ok": True, "comment": comment_view(record), "created": created}


def support(s: Support) -> dict[str, Any]:
    return {"ok": True, "proposal": s.proposal, "support_count": s.count, "created": s.created}


# --- ballots --------------------------------------------------------------------------------------


def ballot(b: BallotRecord, created: bool) -> dict[str, Any]:
    return {"ok": True, "receipt": b.receipt, "version": b.version, "created": created,
            "choices": b.choices, "cast_at": b.cast_at.isoformat()}


def receipt(check: ReceiptCheck) -> dict[str, Any]:
    """Whether a ballot is stored and counted; never its choices (only the pots it fills)."""
    b, counted = check.ballot, check.status == "counted"
    return {"ok": True, "receipt": b.receipt, "recorded": True, "counted": counted,
            "status": check.status, "msg": check.note, "cast_at": b.cast_at.isoformat(),
            "counted_version_at": check.shown.at.isoformat() if counted else None,
            "version": b.version, "pots": sorted(p for p, c in check.shown.choices.items() if c)}


# --- phases ---------------------------------------------------------------------------------------


def process(now: ProcessNow) -> dict[str, Any]:
    """The process page's live part: the phase in force, the calendar, budget per pot, the rules."""
    from prachakhom.participation import voting_closed
    from prachakhom.phase import days_left
    from prachakhom.pots import pot_budgets  # loaded by the services already

    place, current = now.place, now.current
    doc, rules = place.process, place.rules
    budget = doc.process.budget
    return {
        "ok": True,
        "municipality": {"slug": place.municipality.slug, "name": place.municipality.municipality.name},
        "process": {"slug": doc.slug, "title": doc.process.title, "kind": rules.kind,
                    "fiscal_year": doc.process.fiscal_year},
        "phase": {"key": current.key, "name": rules.phase(current.key).name, "start": current.start.isoformat(),
                  "end": current.end.isoformat(), "actions": rules.phase(current.key).actions,
                  "days_left": days_left(current, now.today), "changed_at": now.state.changed_at.isoformat()},
        "phases": [{"key": p.key, "name": rules.phase(p.key).name, "start": p.start.isoformat(),
                    "end": p.end.isoformat(), "actions": rules.phase(p.key).actions} for p in doc.process.phases],
        "budget": None if budget is None else {"total": budget.total,
                                               "pots": pot_budgets(rules, budget, place.municipality.municipality)},
        "ballot": rules.ballot.model_dump(),
        "allow_ballot_change": rules.allow_ballot_change,
        "eligibility": {"minimum_age": rules.eligibility.minimum_age, "identity": rules.eligibility.identity},
        "categories": [{"key": c.key, "name": c.name} for c in rules.categories],
        "voting_closed": voting_closed(rules, current.key),
    }


def phase_move(move: PhaseMove) -> dict[str, Any]:
    """A staff move (or its replay): the phase now and what became of the rebuild it called for
    ("built", "queued", "off"; "pending": asked again by a retry or the scheduler; "done" on a
    replay whose rebuild was asked for already)."""
    state = move.state
    view: dict[str, Any] = {"ok": True, "phase": state.phase, "name": move.place.rules.phase(state.phase).name,
                            "changed_at": state.changed_at.isoformat(), "replay": move.replay}
    if move.previous is not None:
        view["previous"] = move.previous
    view["rebuild"] = move.rebuild.status
    return view


# --- staff ----------------------------------------------------------------------------------------


def decision(d: Decision) -> dict[str, Any]:
    return {"ok": True, "proposal": proposal_view(d.proposal), "replay": d.replay, "rebuild": d.rebuild.status}


def staff_proposals(found: list[tuple[ProposalRecord, str | None]]) -> dict[str, Any]:
    return {"ok": True, "proposals": [{**proposal_view(r), "contact": contact} for r, contact in found]}
