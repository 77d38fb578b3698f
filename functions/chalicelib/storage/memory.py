"""The repository in dicts behind one lock: the semantics of DynamoDB's conditional writes, for tests,
the `memory` storage setting and the benchmarks' baseline."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Iterator
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from chalicelib.storage.audit import MemoryAuditLog
from chalicelib.storage.records import (
    BallotRecord,
    BallotVersion,
    CommentRecord,
    Feasibility,
    PendingEffect,
    PhaseEntry,
    ProcessState,
    ProposalRecord,
    Roll,
    SupportRecord,
    VoidedBallot,
)
from chalicelib.storage.repository import (
    MAX_BALLOT_VERSIONS,
    AlreadyExists,
    NotStored,
    PhaseMismatch,
    Repository,
    RollChanged,
    StatusMismatch,
    StoredItem,
    TooManyVersions,
    oldest_first,
)
from prachakhom.audit import AuditEntry


class MemoryRepository(Repository):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[tuple[str, str], ProcessState] = {}
        self._proposals: dict[tuple[str, str, str], ProposalRecord] = {}
        self._contacts: dict[tuple[str, str, str], str] = {}
        self._comments: dict[tuple[str, str, str, str], CommentRecord] = {}
        self._reports: set[tuple[str, str, str, str, str]] = set()
        self._ballots: dict[tuple[str, str, str], BallotRecord] = {}
        self._supports: dict[tuple[str, str, str, str], datetime] = {}
        self._support_births: dict[tuple[str, str, str, str], str] = {}
        self._voided_supports: list[tuple[tuple[str, str, str, str], str | None, datetime, str, str]] = []
        self._effects: dict[tuple[str, str, str, str], PendingEffect] = {}
        self._voided: dict[tuple[str, str], list[VoidedBallot]] = {}
        self._rolls: dict[tuple[str, str], Roll] = {}
        self._roll_buckets: dict[tuple[str, str, str], dict[str, dict[str, str]]] = {}
        self.audit_log = MemoryAuditLog()
        """Staff changes' audit entries, appended under the repository's lock with the change."""

    def _record(self, effects: Collection[PendingEffect]) -> None:
        for e in effects:
            self._effects[(e.municipality, e.process, e.kind, e.id)] = e

    def get_state(self, municipality: str, process: str) -> ProcessState | None:
        return self._states.get((municipality, process))

    def init_state(self, state: ProcessState) -> ProcessState:
        first = replace(state, history=(PhaseEntry(state.phase, state.changed_at),), proposals_version=0)
        with self._lock:
            return self._states.setdefault((state.municipality, state.process), first)

    def change_phase(self, municipality: str, process: str, expected: str, new: str, at: datetime,
                     change_key: str, closes_vote: bool = False,
                     effects: Collection[PendingEffect] = ()) -> ProcessState:
        with self._lock:
            state = self._states.get((municipality, process))
            if state is None or state.phase != expected:
                raise PhaseMismatch(state.phase if state else "")
            state = replace(state, phase=new, changed_at=at, change_key=change_key,
                            vote_closed_at=at if closes_vote else state.vote_closed_at,
                            history=(*state.history, PhaseEntry(new, at)))
            self._states[(municipality, process)] = state
            self._record(effects)
            return state

    def add_proposal(self, proposal: ProposalRecord, contact: str | None) -> tuple[ProposalRecord, bool]:
        key = (proposal.municipality, proposal.process, proposal.slug)
        with self._lock:
            if key in self._proposals:
                return self._proposals[key], False
            self._proposals[key] = proposal
            if contact:
                self._contacts[key] = contact
            return proposal, True

    def get_proposal(self, municipality: str, process: str, slug: str) -> ProposalRecord | None:
        return self._proposals.get((municipality, process, slug))

    def list_proposals(self, municipality: str, process: str) -> list[ProposalRecord]:
        found = [p for (m, p_, _), p in self._proposals.items() if (m, p_) == (municipality, process)]
        return sorted(found, key=lambda p: p.slug)

    def set_proposal_status(self, municipality: str, process: str, slug: str, expected: Collection[str],
                            status: str, feasibility: Feasibility | None,
                            effects: Collection[PendingEffect] = (), audit: AuditEntry | None = None
                            ) -> ProposalRecord:
        key = (municipality, process, slug)
        with self._lock:
            current = self._proposals.get(key)
            if current is None:
                raise NotStored()
            if current.status not in expected:
                raise StatusMismatch(current.status)
            state = self._states.get((municipality, process))
            updated = replace(current, status=status, feasibility=feasibility or current.feasibility)
            if audit is not None:
                self.audit_log.append(audit)
            self._proposals[key] = updated
            if state is not None:
                self._states[(municipality, process)] = replace(
                    state, proposals_version=state.proposals_version + 1)
            self._record(effects)
            return updated

    def get_contact(self, municipality: str, process: str, slug: str) -> str | None:
        return self._contacts.get((municipality, process, slug))

    def add_comment(self, comment: CommentRecord) -> tuple[CommentRecord, bool]:
        key = (comment.municipality, comment.process, comment.proposal, comment.id)
        with self._lock:
            if key in self._comments:
                return self._comments[key], False
            self._comments[key] = comment
            return comment, True

    def get_comment(self, municipality: str, process: str, proposal: str, comment_id: str
                    ) -> CommentRecord | None:
        return self._comments.get((municipality, process, proposal, comment_id))

    def list_comments(self, municipality: str, process: str, proposal: str | None = None
                      ) -> list[CommentRecord]:
        found = [c for (m, p, prop, _), c in self._comments.items()
                 if (m, p) == (municipality, process) and proposal in (None, prop)]
        return sorted(found, key=lambda c: (c.proposal, c.created_at, c.id))

    def report_comment(self, municipality: str, process: str, proposal: str, comment_id: str,
                       reporter: str, threshold: int) -> CommentRecord:
        key = (municipality, process, proposal, comment_id)
        with self._lock:
            comment = self._comments.get(key)
            if comment is None:
                raise NotStored()
            if (*key, reporter) in self._reports:
                raise AlreadyExists()
            self._reports.add((*key, reporter))
            reports = comment.reports + 1
            comment = replace(comment, reports=reports, hidden=comment.hidden or reports >= threshold)
            self._comments[key] = comment
            return comment

    def add_support(self, municipality: str, process: str, proposal: str, supporter: str, at: datetime,
                    birth: str | None = None) -> bool:
        key = (municipality, process, proposal, supporter)
        with self._lock:
            if key in self._supports:
                return False
            self._supports[key] = at
            if birth is not None:
                self._support_births[key] = birth
            return True

    def void_support(self, municipality: str, process: str, proposal: str, supporter: str, at: datetime,
                     reason: str, voided_by: str, audit: AuditEntry) -> None:
        key = (municipality, process, proposal, supporter)
        with self._lock:
            if key not in self._supports:
                raise NotStored()
            self.audit_log.append(audit)
            del self._supports[key]
            self._voided_supports.append((key, self._support_births.pop(key, None), at, reason, voided_by))

    def support_birth(self, municipality: str, process: str, proposal: str, supporter: str) -> str | None:
        return self._support_births.get((municipality, process, proposal, supporter))

    def list_supports(self, municipality: str, process: str, proposal: str | None = None) -> list[SupportRecord]:
        with self._lock:
            found = sorted((slug, supporter, at) for (m, p, slug, supporter), at in self._supports.items()
                           if (m, p) == (municipality, process) and proposal in (None, slug))
        return [SupportRecord(slug, at) for slug, _, at in found]

    def cast_ballot(self, ballot: BallotRecord) -> tuple[BallotRecord, bool]:
        key = (ballot.municipality, ballot.process, ballot.receipt)
        with self._lock:
            if key in self._ballots:
                return self._ballots[key], False
            self._ballots[key] = ballot
            return ballot, True

    def change_ballot(self, ballot: BallotRecord) -> BallotRecord:
        key = (ballot.municipality, ballot.process, ballot.receipt)
        at = ballot.changed_at or ballot.cast_at
        with self._lock:
            current = self._ballots.get(key)
            if (current is None or current.ballot_id != ballot.ballot_id
                    or current.birth_hash != ballot.birth_hash):
                raise NotStored()
            if current.version >= MAX_BALLOT_VERSIONS:
                raise TooManyVersions()
            updated = replace(current, choices=ballot.choices, changed_at=at, version=current.version + 1,
                              idem_key=ballot.idem_key, idem_digest=ballot.idem_digest,
                              versions=(*current.all_versions(), BallotVersion(at, ballot.choices)))
            self._ballots[key] = updated
            return updated

    def get_ballot(self, municipality: str, process: str, receipt: str) -> BallotRecord | None:
        return self._ballots.get((municipality, process, receipt))

    def iter_ballots(self, municipality: str, process: str) -> Iterator[BallotRecord]:
        with self._lock:
            found = [b for (m, p, _), b in self._ballots.items() if (m, p) == (municipality, process)]
        yield from sorted(found, key=lambda b: b.receipt)

    def void_ballot(self, voided: VoidedBallot, audit: AuditEntry) -> None:
        b = voided.ballot
        key = (b.municipality, b.process, b.receipt)
        with self._lock:
            current = self._ballots.get(key)
            if current is None or (current.ballot_id, current.version) != (b.ballot_id, b.version):
                raise NotStored()
            self.audit_log.append(audit)
            del self._ballots[key]
            self._voided.setdefault((b.municipality, b.process), []).append(voided)

    def list_voided(self, municipality: str, process: str) -> list[VoidedBallot]:
        return list(self._voided.get((municipality, process), []))

    def put_roll_buckets(self, municipality: str, process: str, version: str,
                         buckets: dict[str, dict[str, str]]) -> None:
        with self._lock:
            stored = self._roll_buckets.setdefault((municipality, process, version), {})
            for name, entries in buckets.items():
                stored[name] = dict(entries)

    def switch_roll(self, roll: Roll, expected: str | None, audit: AuditEntry) -> None:
        with self._lock:
            current = self._rolls.get((roll.municipality, roll.process))
            if (current.version if current else None) != expected:
                raise RollChanged()
            self.audit_log.append(audit)
            self._rolls[(roll.municipality, roll.process)] = roll

    def get_roll(self, municipality: str, process: str) -> Roll | None:
        return self._rolls.get((municipality, process))

    def roll_bucket(self, municipality: str, process: str, version: str, bucket: str) -> dict[str, str]:
        return dict(self._roll_buckets.get((municipality, process, version), {}).get(bucket, {}))

    def delete_roll_version(self, municipality: str, process: str, version: str) -> None:
        with self._lock:
            self._roll_buckets.pop((municipality, process, version), None)

    def pending_effects(self, municipality: str | None = None) -> list[PendingEffect]:
        with self._lock:
            found = [e for e in self._effects.values() if municipality in (None, e.municipality)]
        return oldest_first(found)

    def effects_done(self, effects: Collection[PendingEffect]) -> None:
        with self._lock:
            for e in effects:
                self._effects.pop((e.municipality, e.process, e.kind, e.id), None)

    # --- backup and restore --------------------------------------------------------------------
    def export_items(self, municipality: str, processes: Collection[str],
                     contacts: bool = False) -> Iterator[StoredItem]:
        """The items DynamoDB would hold for the same writes (the one item mapping of `dynamodb.py`),
        in the same order: an archive of either implementation imports into the other."""
        from chalicelib.storage import dynamodb as d

        m = municipality
        with self._lock:
            for p in sorted(processes):
                pk = d.proc_pk(m, p)
                proc: list[StoredItem] = []
                state = self._states.get((m, p))
                if state is not None:
                    proc.append(d._item({"PK": pk, "SK": "STATE", "phase": state.phase,
                                         "changed_at": state.changed_at, "change_key": state.change_key,
                                         "vote_closed_at": state.vote_closed_at,
                                         "history": [d._entry(e) for e in state.history] or None,
                                         "proposals_version": state.proposals_version or None}))
                proc += [d._item({"PK": pk, "SK": f"PROPOSAL#{slug}", **asdict(r)})
                         for (m_, p_, slug), r in self._proposals.items() if (m_, p_) == (m, p)]
                proc += [d._item({"PK": pk, "SK": f"COMMENT#{prop}#{cid}", **asdict(c)})
                         for (m_, p_, prop, cid), c in self._comments.items() if (m_, p_) == (m, p)]
                proc += [d._item({"PK": pk, "SK": f"REPORT#{prop}#{cid}#{who}"})
                         for (m_, p_, prop, cid, who) in self._reports if (m_, p_) == (m, p)]
                proc += [d._item({"PK": pk, "SK": f"SUPPORT#{prop}#{who}", "at": at,
                                  "birth_hash": self._support_births.get((m_, p_, prop, who))})
                         for (m_, p_, prop, who), at in self._supports.items() if (m_, p_) == (m, p)]
                proc += [d._item({"PK": pk, "SK": f"VOIDSUPPORT#{k[2]}#{k[3]}#{at.isoformat()}", "birth_hash": birth,
                                  "voided_at": at, "void_reason": reason, "voided_by": by})
                         for k, birth, at, reason, by in self._voided_supports if k[:2] == (m, p)]
                roll = self._rolls.get((m, p))
                if roll is not None:
                    proc.append(d.roll_item(roll))
                yield from sorted(proc, key=_sort_key)
                if roll is not None:
                    yield from sorted((d._item({"PK": d.roll_pk(m, p, roll.version), "SK": f"BUCKET#{name}",
                                                "entries": entries})
                                       for name, entries in self._roll_buckets.get((m, p, roll.version), {}).items()),
                                      key=_sort_key)
                kept = [d.ballot_item(b) for (m_, p_, _), b in self._ballots.items() if (m_, p_) == (m, p)]
                kept += [d.voided_item(v) for v in self._voided.get((m, p), [])]
                yield from sorted(kept, key=_sort_key)
                if contacts:
                    yield from sorted((d._item({"PK": d.private_pk(m, p), "SK": f"CONTACT#{slug}", "contact": c})
                                       for (m_, p_, slug), c in self._contacts.items() if (m_, p_) == (m, p)),
                                      key=_sort_key)
            yield from sorted((d._effect_item(e) for e in self._effects.values() if e.municipality == m),
                              key=_sort_key)

    def import_items(self, items: Iterable[StoredItem]) -> int:
        from chalicelib.storage import dynamodb as d

        count = 0
        for raw in items:
            item = d._read(raw)
            pk, sk = item["PK"], item["SK"]
            kind, _, rest = pk.partition("#")
            with self._lock:
                if kind == "EFFECTS":
                    e = d._effect(item)
                    self._effects[(e.municipality, e.process, e.kind, e.id)] = e
                elif kind == "ROLL":
                    m, p, version = rest.split("#", 2)
                    self._roll_buckets.setdefault((m, p, version), {})[sk.removeprefix("BUCKET#")] = \
                        dict(item["entries"])
                else:
                    m, p = rest.split("#", 1)
                    if kind == "BALLOTS" and sk.startswith("VOID#"):
                        voided = VoidedBallot(d._ballot(m, p, item), datetime.fromisoformat(item["voided_at"]),
                                              item["void_reason"], item["voided_by"])
                        kept = self._voided.setdefault((m, p), [])
                        if voided not in kept:  # a re-run import writes the same items again
                            kept.append(voided)
                    elif kind == "BALLOTS":
                        self._ballots[(m, p, item["receipt"])] = d._ballot(m, p, item)
                    elif kind == "PRIVATE":
                        self._contacts[(m, p, sk.removeprefix("CONTACT#"))] = item["contact"]
                    elif sk == "STATE":
                        state = d._state(m, p, item)
                        if state is not None:  # an item holding only a moderation's counter: nothing to keep
                            self._states[(m, p)] = state
                    elif sk.startswith("PROPOSAL#"):
                        self._proposals[(m, p, item["slug"])] = d._proposal(item)
                    elif sk.startswith("COMMENT#"):
                        self._comments[(m, p, item["proposal"], item["id"])] = d._comment(item)
                    elif sk.startswith("REPORT#"):
                        prop, cid, who = sk.removeprefix("REPORT#").split("#", 2)
                        self._reports.add((m, p, prop, cid, who))
                    elif sk.startswith("SUPPORT#"):
                        prop, who = sk.removeprefix("SUPPORT#").split("#", 1)
                        self._supports[(m, p, prop, who)] = datetime.fromisoformat(item["at"])
                        if item.get("birth_hash"):
                            self._support_births[(m, p, prop, who)] = item["birth_hash"]
                    elif sk.startswith("VOIDSUPPORT#"):
                        prop, who, _ = sk.removeprefix("VOIDSUPPORT#").split("#", 2)
                        entry = ((m, p, prop, who), item.get("birth_hash"), datetime.fromisoformat(item["voided_at"]),
                                 item["void_reason"], item["voided_by"])
                        if entry not in self._voided_supports:
                            self._voided_supports.append(entry)
                    elif sk == "ROLL":
                        self._rolls[(m, p)] = d.roll_from_item(m, p, item)
                    else:
                        raise ValueError(f"not an item of this repository: {pk} / {sk}")
            count += 1
        return count


def _sort_key(item: dict[str, Any]) -> str:
    return str(item["SK"]["S"])
