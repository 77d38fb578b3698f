"""One contract for every repository: the in-memory one and DynamoDB (through a moto server)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from tests.api_fixtures import make_repository  # isort: skip  (puts functions/ on sys.path)
from chalicelib.storage.records import (
    BallotRecord,
    BallotVersion,
    CommentRecord,
    Feasibility,
    PendingEffect,
    ProcessState,
    ProposalRecord,
)
from chalicelib.storage.repository import (
    MAX_BALLOT_VERSIONS,
    AlreadyExists,
    NotStored,
    PhaseMismatch,
    StatusMismatch,
    StorageUnavailable,
    TooManyVersions,
)

M, P = "ban-test", "pb-2570"


@pytest.fixture(params=["memory", "dynamodb"])
def repository(request: pytest.FixtureRequest):
    return make_repository(request.param)


T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def state(phase: str = "voting") -> ProcessState:
    return ProcessState(M, P, phase, T0, "")


def proposal(slug: str = "online-abc", **kw: object) -> ProposalRecord:
    values: dict = dict(municipality=M, process=P, slug=slug, title="ถนน", summary="สรุป", description="ยาว",
                        category="roads", village=1, cost=1000, author="สมชาย", submitted_at=T0, idem_key="k1")
    values.update(kw)
    return ProposalRecord(**values)


def comment(cid: str = "c1", **kw: object) -> CommentRecord:
    values: dict = dict(municipality=M, process=P, proposal="road-village-1", id=cid, author="สมหญิง",
                        text="เห็นด้วย", created_at=T0)
    values.update(kw)
    return CommentRecord(**values)


def ballot(bid: str = "b1", receipt: str = "AAAA-BBBB-CCCC", **kw: object) -> BallotRecord:
    values: dict = dict(municipality=M, process=P, ballot_id=bid, choices={"municipality": {"market-all": 1}},
                        receipt=receipt, cast_at=T0, idem_key="i1")
    values.update(kw)
    return BallotRecord(**values)


def test_state_init_keeps_first(repository):
    assert repository.get_state(M, P) is None
    assert repository.init_state(state("review")).phase == "review"
    assert repository.init_state(state("voting")).phase == "review"
    assert repository.get_state(M, P).phase == "review"


def test_change_phase_is_conditional(repository):
    repository.init_state(state("review"))
    moved = repository.change_phase(M, P, "review", "voting", T0 + timedelta(days=1), "key-1")
    assert (moved.phase, moved.change_key) == ("voting", "key-1")
    with pytest.raises(PhaseMismatch) as err:
        repository.change_phase(M, P, "review", "voting", T0, "key-2")
    assert err.value.current == "voting"
    stored = repository.get_state(M, P)
    assert (stored.phase, stored.change_key, stored.changed_at) == ("voting", "key-1", T0 + timedelta(days=1))


def test_writes_do_not_touch_the_state_and_the_history_records_each_phase(repository):
    """Resident writes need no stored phase (the gate checks it, the history fences what is
    published): a proposal, a comment and a support are stored whatever the phase, and every phase
    stored is kept in the history with the time it came into force."""
    assert repository.add_proposal(proposal(), None)[1]
    assert repository.add_comment(comment())[1]
    assert repository.add_support(M, P, "road-village-1", "s1", T0) is True
    assert repository.get_state(M, P) is None  # nothing above wrote the STATE item
    repository.init_state(state("review"))
    repository.change_phase(M, P, "review", "voting", T0 + timedelta(days=1), "k")
    stored = repository.get_state(M, P)
    assert stored.phases_since() == (("review", T0), ("voting", T0 + timedelta(days=1)))
    assert repository.init_state(state("proposals")).phases_since() == stored.phases_since()


def test_moderation_bumps_the_proposals_version_in_the_same_write(repository):
    repository.init_state(state("review"))
    repository.add_proposal(proposal(), None)
    assert repository.get_state(M, P).proposals_version == 0
    repository.set_proposal_status(M, P, "online-abc", {"under_review"}, "published", None)
    assert repository.get_state(M, P).proposals_version == 1
    with pytest.raises(StatusMismatch):
        repository.set_proposal_status(M, P, "online-abc", {"under_review"}, "published", None)
    assert repository.get_state(M, P).proposals_version == 1  # a refused decision bumps nothing
    assert repository.get_state(M, P).phase == "review"


def test_supports_are_listed_with_their_time_never_who(repository):
    repository.add_support(M, P, "idea-a", "s1", T0)
    repository.add_support(M, P, "idea-a", "s2", T0 + timedelta(hours=1))
    found = repository.list_supports(M, P, "idea-a")
    assert sorted(s.at for s in found) == [T0, T0 + timedelta(hours=1)]
    assert {s.proposal for s in found} == {"idea-a"} and "s1" not in repr(found)


def test_closing_the_vote_records_when(repository):
    repository.init_state(state("review"))
    opened = repository.change_phase(M, P, "review", "voting", T0, "open")
    assert opened.vote_closed_at is None
    closed = repository.change_phase(M, P, "voting", "results", T0 + timedelta(days=3), "close", closes_vote=True)
    assert closed.vote_closed_at == T0 + timedelta(days=3)
    later = repository.change_phase(M, P, "results", "implementation", T0 + timedelta(days=9), "impl")
    assert later.vote_closed_at == T0 + timedelta(days=3)
    assert repository.get_state(M, P) == later


def test_supports_one_per_supporter(repository):
    repository.init_state(state("ideas"))
    assert repository.add_support(M, P, "idea-a", "s1", T0) is True
    assert repository.add_support(M, P, "idea-a", "s1", T0) is False
    assert repository.add_support(M, P, "idea-a", "s2", T0) is True
    assert repository.add_support(M, P, "idea-b", "s1", T0) is True
    assert repository.support_counts(M, P) == {"idea-a": 2, "idea-b": 1}
    assert repository.support_counts(M, P, "idea-b") == {"idea-b": 1}
    assert repository.support_counts(M, P, "idea-c") == {}


def test_proposal_roundtrip_idempotent_and_contact_apart(repository):
    repository.init_state(state("proposals"))
    stored, created = repository.add_proposal(proposal(), "081-234-5678")
    assert created and stored == proposal()
    again, created = repository.add_proposal(proposal(title="อื่น"), "x")
    assert not created and again.title == "ถนน"
    assert repository.get_proposal(M, P, "online-abc") == proposal()
    assert repository.get_contact(M, P, "online-abc") == "081-234-5678"
    assert repository.get_contact(M, P, "nope") is None
    repository.add_proposal(proposal("online-def", village=None, cost=None), None)
    assert [p.slug for p in repository.list_proposals(M, P)] == ["online-abc", "online-def"]
    assert repository.get_proposal(M, P, "online-def").village is None


def test_proposal_status_transitions(repository):
    repository.init_state(state("proposals"))
    repository.add_proposal(proposal(), None)
    assert repository.set_proposal_status(M, P, "online-abc", {"under_review"}, "published", None).status == "published"
    with pytest.raises(StatusMismatch) as err:
        repository.set_proposal_status(M, P, "online-abc", {"under_review"}, "rejected", None)
    assert err.value.current == "published"
    with pytest.raises(StatusMismatch):  # the new status is never an allowed current status by accident
        repository.set_proposal_status(M, P, "online-abc", {"under_review"}, "published", None)
    f = Feasibility(True, "ทำได้", 90000)
    updated = repository.set_proposal_status(M, P, "online-abc", {"published"}, "feasible", f)
    assert (updated.status, updated.feasibility) == ("feasible", f)
    assert repository.get_proposal(M, P, "online-abc").feasibility == f
    with pytest.raises(NotStored):
        repository.set_proposal_status(M, P, "missing", {"published"}, "feasible", None)


def test_comments_replies_and_reports(repository):
    repository.init_state(state("proposals"))
    c1, created = repository.add_comment(comment())
    assert created and c1 == comment()
    assert not repository.add_comment(comment(text="อีก"))[1]
    repository.add_comment(comment("c2", parent_id="c1", created_at=T0 + timedelta(minutes=1)))
    repository.add_comment(comment("c3", proposal="market-all"))
    assert [c.id for c in repository.list_comments(M, P, "road-village-1")] == ["c1", "c2"]
    assert len(repository.list_comments(M, P)) == 3
    assert repository.get_comment(M, P, "road-village-1", "c2").parent_id == "c1"
    first = repository.report_comment(M, P, "road-village-1", "c1", "r1", threshold=2)
    assert (first.reports, first.hidden) == (1, False)
    with pytest.raises(AlreadyExists):
        repository.report_comment(M, P, "road-village-1", "c1", "r1", threshold=2)
    second = repository.report_comment(M, P, "road-village-1", "c1", "r2", threshold=2)
    assert (second.reports, second.hidden) == (2, True)
    assert repository.get_comment(M, P, "road-village-1", "c1").hidden
    with pytest.raises(NotStored):
        repository.report_comment(M, P, "road-village-1", "nope", "r1", threshold=2)


def test_ballot_once_change_and_receipt(repository):
    first = BallotVersion(T0, {"municipality": {"market-all": 1}})
    stored, created = repository.cast_ballot(ballot())
    assert created and stored == ballot() and stored.all_versions() == (first,)
    assert repository.get_ballot(M, P, "AAAA-BBBB-CCCC") == stored
    again, created = repository.cast_ballot(ballot(choices={"municipality": {"park-all": 1}}, idem_key="i2"))
    assert not created and again.choices == {"municipality": {"market-all": 1}} and again.idem_key == "i1"
    later = T0 + timedelta(hours=1)
    changed = repository.change_ballot(
        ballot(choices={"village-1": {"road-village-1": 1}}, changed_at=later, idem_key="i3"))
    assert changed.version == 2 and changed.choices == {"village-1": {"road-village-1": 1}}
    assert changed.receipt == "AAAA-BBBB-CCCC" and changed.cast_at == T0
    assert changed.versions == (first, BallotVersion(later, {"village-1": {"road-village-1": 1}}))
    with pytest.raises(NotStored):
        repository.change_ballot(ballot("other", "ZZZZ-ZZZZ-ZZZZ"))
    assert repository.get_ballot(M, P, "ZZZZ-ZZZZ-ZZZZ") is None
    assert repository.get_ballot(M, P, "AAAA-BBBB-CCCC") == changed
    repository.cast_ballot(ballot("b0", "DDDD-EEEE-FFFF"))
    assert [b.ballot_id for b in repository.list_ballots(M, P)] == ["b1", "b0"]  # receipt order


def test_colliding_receipts_never_merge_two_voters(repository):
    """Two voters (ballot ids) with one receipt: the second cast stores nothing and gets the first
    ballot back (the service refuses it); a change by the second voter finds no ballot."""
    repository.cast_ballot(ballot())
    stored, created = repository.cast_ballot(ballot("b2", choices={"municipality": {"park-all": 1}}, idem_key="i2"))
    assert not created and stored.ballot_id == "b1"
    with pytest.raises(NotStored):
        repository.change_ballot(ballot("b2", changed_at=T0 + timedelta(hours=1), idem_key="i3"))
    assert repository.get_ballot(M, P, "AAAA-BBBB-CCCC") == ballot()


def test_counted_version_is_the_last_before_the_close(repository):
    repository.cast_ballot(ballot())
    for hour in (1, 2, 3):
        repository.change_ballot(ballot(choices={"municipality": {f"p{hour}": 1}},
                                        changed_at=T0 + timedelta(hours=hour)))
    stored = repository.get_ballot(M, P, "AAAA-BBBB-CCCC")
    assert stored.counted(None).choices == {"municipality": {"p3": 1}}
    assert stored.counted(T0 + timedelta(hours=2, minutes=30)).choices == {"municipality": {"p2": 1}}
    assert stored.counted(T0).choices == {"municipality": {"market-all": 1}}
    assert stored.counted(T0 - timedelta(seconds=1)) is None


def test_ballot_changes_are_capped(repository):
    repository.cast_ballot(ballot())
    for i in range(1, MAX_BALLOT_VERSIONS):
        repository.change_ballot(ballot(choices={"municipality": {f"p{i}": 1}}, changed_at=T0 + timedelta(minutes=i)))
    with pytest.raises(TooManyVersions):
        repository.change_ballot(ballot(changed_at=T0 + timedelta(days=1)))
    assert repository.get_ballot(M, P, "AAAA-BBBB-CCCC").version == MAX_BALLOT_VERSIONS


def test_concurrent_first_ballots_store_exactly_one(repository):
    results: list[bool] = []
    errors: list[BaseException] = []

    def cast(i: int) -> None:
        try:
            results.append(repository.cast_ballot(ballot(idem_key=f"i{i}", cast_at=T0 + timedelta(seconds=i)))[1])
        except BaseException as err:  # recorded and asserted below
            errors.append(err)

    threads = [threading.Thread(target=cast, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results.count(True) == 1 and len(results) == 16
    assert len(repository.list_ballots(M, P)) == 1


def effect(eid: str = "e1", m: str = M, p: str = P, minutes: int = 0) -> PendingEffect:
    return PendingEffect(m, p, "rebuild", eid, T0 + timedelta(minutes=minutes), cause="phase review → voting")


def test_a_phase_change_records_its_effects_in_the_same_write(repository):
    repository.init_state(state("review"))
    with pytest.raises(PhaseMismatch):  # refused: nothing recorded
        repository.change_phase(M, P, "proposals", "review", T0, "k0", effects=[effect("refused")])
    assert repository.pending_effects() == []
    moved = repository.change_phase(M, P, "review", "voting", T0, "k1", effects=[effect("e1")])
    assert (moved.phase, moved.change_key) == ("voting", "k1")
    assert repository.get_state(M, P) == moved
    closed = repository.change_phase(M, P, "voting", "results", T0 + timedelta(days=1), "k2", closes_vote=True,
                                     effects=[effect("e2", minutes=1)])
    assert closed.vote_closed_at == T0 + timedelta(days=1) and repository.get_state(M, P) == closed
    assert repository.pending_effects(M) == [effect("e1"), effect("e2", minutes=1)]


def test_a_moderation_records_its_effects_in_the_same_write(repository):
    repository.init_state(state("proposals"))
    repository.add_proposal(proposal(), None)
    with pytest.raises(StatusMismatch):
        repository.set_proposal_status(M, P, "online-abc", {"published"}, "feasible", None, effects=[effect("x")])
    with pytest.raises(NotStored):
        repository.set_proposal_status(M, P, "missing", {"under_review"}, "published", None, effects=[effect("y")])
    assert repository.pending_effects() == []
    f = Feasibility(True, "ทำได้", 90000)
    updated = repository.set_proposal_status(M, P, "online-abc", {"under_review"}, "feasible", f,
                                             effects=[effect("e1")])
    assert (updated.status, updated.feasibility) == ("feasible", f)
    assert repository.get_proposal(M, P, "online-abc") == updated
    assert repository.pending_effects() == [effect("e1")]


def test_pending_effects_per_municipality_oldest_first_until_done(repository):
    for m in (M, "other-town"):
        repository.init_state(ProcessState(m, P, "review", T0))
    repository.change_phase(M, P, "review", "voting", T0, "k1", effects=[effect("late", minutes=5)])
    repository.change_phase("other-town", P, "review", "voting", T0, "k1", effects=[effect("o1", m="other-town")])
    repository.change_phase(M, P, "voting", "results", T0, "k2", effects=[effect("early")])
    assert [e.id for e in repository.pending_effects()] == ["early", "o1", "late"]
    assert repository.pending_effects(M) == [effect("early"), effect("late", minutes=5)]
    assert repository.pending_effects("other") == []  # a slug prefix is not a match
    repository.effects_done([effect("early"), effect("never-recorded")])
    assert [e.id for e in repository.pending_effects()] == ["o1", "late"]
    repository.effects_done(repository.pending_effects())
    assert repository.pending_effects() == []


def test_concurrent_changes_of_one_ballot_lose_none(repository):
    """Changes of one ballot from several devices at once: each acknowledged change is one version,
    none lost, none written twice (DynamoDB: conditioned on the version read, tried again on top of
    the winner; one that keeps losing is told to send again: StorageUnavailable, nothing stored)."""
    repository.cast_ballot(ballot())
    done: list[int] = []
    errors: list[BaseException] = []

    def change(i: int) -> None:
        try:
            repository.change_ballot(ballot(choices={"municipality": {f"p{i}": 1}}, idem_key=f"c{i}",
                                             changed_at=T0 + timedelta(minutes=i)))
            done.append(i)
        except StorageUnavailable:
            pass
        except BaseException as err:  # recorded and asserted below
            errors.append(err)

    threads = [threading.Thread(target=change, args=(i,)) for i in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and done
    stored = repository.get_ballot(M, P, "AAAA-BBBB-CCCC")
    assert stored.version == 1 + len(done) and len(stored.versions) == 1 + len(done)
    assert sorted(next(iter(v.choices["municipality"])) for v in stored.versions[1:]) == sorted(f"p{i}" for i in done)


# --- who is who (issue 8): birth-date hashes, voided ballots, the voter roll ------------------------


def _audit(action: str = "ballot.void"):
    from prachakhom.audit import Actor, audit_entry

    return audit_entry(actor=Actor("sub-1", "เจ้าหน้าที่"), municipality=M, action=action, target=f"{P}/x",
                       before=None, after={"ok": True}, secret=b"s", at=T0)


def _audit_actions(repository) -> list[str]:
    from chalicelib.storage.audit import DynamoAuditLog
    from chalicelib.storage.memory import MemoryRepository

    log = repository.audit_log if isinstance(repository, MemoryRepository) else DynamoAuditLog(
        repository.client, repository.table)
    return [e.action for e in log.export(M)]


def test_a_change_needs_the_same_birth_hash(repository):
    from dataclasses import replace

    stored, _ = repository.cast_ballot(ballot(birth_hash="h-real", village=1))
    assert stored.birth_hash == "h-real" and repository.get_ballot(M, P, stored.receipt).village == 1
    change = replace(ballot(birth_hash="h-wrong", choices={"municipality": {"park-all": 1}}), changed_at=T0)
    with pytest.raises(NotStored):
        repository.change_ballot(change)
    assert repository.get_ballot(M, P, stored.receipt).version == 1
    changed = repository.change_ballot(replace(change, birth_hash="h-real"))
    assert changed.version == 2 and changed.birth_hash == "h-real" and changed.village == 1


def test_void_keeps_the_ballot_apart_with_its_audit_entry(repository):
    from chalicelib.storage.records import VoidedBallot

    stored, _ = repository.cast_ballot(ballot(birth_hash="h"))
    stale = VoidedBallot(ballot(bid="other"), T0, "ผิดคน", "sub-1")
    with pytest.raises(NotStored):
        repository.void_ballot(stale, _audit())
    repository.void_ballot(VoidedBallot(stored, T0, "เจ้าของบัตรมาแสดงตน", "sub-1"), _audit())
    assert repository.get_ballot(M, P, stored.receipt) is None and repository.list_ballots(M, P) == []
    [kept] = repository.list_voided(M, P)
    assert kept.reason == "เจ้าของบัตรมาแสดงตน" and kept.ballot.choices == stored.choices
    assert _audit_actions(repository) == ["ballot.void"]
    again, created = repository.cast_ballot(ballot(birth_hash="h2"))  # the receipt is free again
    assert created and again.birth_hash == "h2"


def test_support_keeps_its_birth_hash(repository):
    repository.init_state(state("ideas"))
    assert repository.add_support(M, P, "idea", "s1", T0, birth="h1")
    assert not repository.add_support(M, P, "idea", "s1", T0, birth="h2")
    assert repository.support_birth(M, P, "idea", "s1") == "h1"
    assert repository.support_birth(M, P, "idea", "nobody") is None


def test_roll_versions_switch_atomically(repository):
    from chalicelib.storage.records import Roll
    from chalicelib.storage.repository import RollChanged

    first = Roll(M, P, "v1", T0, 2, {1: 1, 2: 1})
    repository.put_roll_buckets(M, P, "v1", {"abc": {"abc1": "b1 1"}, "def": {"def1": "b2 2"}})
    assert repository.get_roll(M, P) is None  # written, not in force
    repository.switch_roll(first, None, _audit("roll.upload"))
    assert repository.get_roll(M, P) == first
    assert repository.roll_bucket(M, P, "v1", "abc") == {"abc1": "b1 1"}
    assert repository.roll_bucket(M, P, "v1", "fff") == {}
    repository.put_roll_buckets(M, P, "v2", {"abc": {"abc9": "b9 2"}})
    with pytest.raises(RollChanged):  # someone read another version in force
        repository.switch_roll(Roll(M, P, "v2", T0, 1, {2: 1}), None, _audit("roll.replace"))
    repository.switch_roll(Roll(M, P, "v2", T0, 1, {2: 1}), "v1", _audit("roll.replace"))
    assert repository.get_roll(M, P).version == "v2" and repository.get_roll(M, P).villages == {2: 1}
    repository.delete_roll_version(M, P, "v1")
    assert repository.roll_bucket(M, P, "v1", "abc") == {}
    assert repository.roll_bucket(M, P, "v2", "abc") == {"abc9": "b9 2"}
    assert sorted(_audit_actions(repository)) == ["roll.replace", "roll.upload"]  # the refused switch wrote none


def test_void_support_takes_it_off_the_count_with_its_audit_entry(repository):
    repository.init_state(state("ideas"))
    repository.add_support(M, P, "idea", "s1", T0, birth="h-impostor")
    repository.add_support(M, P, "idea", "s2", T0, birth="h2")
    with pytest.raises(NotStored):
        repository.void_support(M, P, "idea", "nobody", T0, "ไม่มี", "sub-1", _audit("support.void"))
    repository.void_support(M, P, "idea", "s1", T0, "เจ้าของบัตรมาแสดงตน", "sub-1", _audit("support.void"))
    assert repository.support_counts(M, P) == {"idea": 1}
    assert repository.support_birth(M, P, "idea", "s1") is None
    assert repository.add_support(M, P, "idea", "s1", T0, birth="h-real")  # free again
    assert repository.support_birth(M, P, "idea", "s1") == "h-real"
    assert _audit_actions(repository) == ["support.void"]


# --- backup and restore: export_items / import_items -----------------------------------------------

def _populate(repository, m: str = M) -> None:
    """Every kind of item the repository holds, for municipality `m`."""
    repository.init_state(ProcessState(m, P, "proposals", T0))
    repository.add_proposal(proposal(municipality=m), "081-234-5678")
    repository.add_proposal(proposal("online-def", municipality=m, village=None), None)
    repository.set_proposal_status(m, P, "online-abc", {"under_review"}, "feasible", Feasibility(True, "ทำได้", None),
                                   effects=[effect("mod", m=m)])
    repository.add_comment(comment(municipality=m, proposal="online-abc"))
    repository.add_comment(comment("c2", municipality=m, proposal="online-abc", parent_id="c1"))
    repository.report_comment(m, P, "online-abc", "c1", "reporter-token-1", threshold=1)
    repository.add_support(m, P, "online-abc", "hash-of-supporter", T0)
    repository.change_phase(m, P, "proposals", "voting", T0 + timedelta(days=1), "k1", effects=[effect("ph", m=m)])
    repository.cast_ballot(ballot(municipality=m))
    repository.change_ballot(ballot(municipality=m, choices={"municipality": {"park-all": 1}},
                                    changed_at=T0 + timedelta(days=2)))
    repository.cast_ballot(ballot("b2", "DDDD-EEEE-FFFF", municipality=m))
    repository.change_phase(m, P, "voting", "results", T0 + timedelta(days=3), "k2", closes_vote=True)


def _reads(repository, m: str = M) -> tuple:
    return (repository.get_state(m, P), repository.list_proposals(m, P), repository.list_comments(m, P),
            repository.support_counts(m, P), repository.list_ballots(m, P), repository.pending_effects(m),
            repository.get_contact(m, P, "online-abc"))


def test_export_holds_every_item_of_the_municipality_and_nothing_else(repository):
    _populate(repository)
    _populate(repository, "ban-test-2")  # a slug that begins like M's
    items = list(repository.export_items(M, [P]))
    keys = [(i["PK"]["S"], i["SK"]["S"]) for i in items]
    assert all(M in pk.split("#") or sk.startswith(f"EFFECT#{M}#") for pk, sk in keys)
    assert not any("ban-test-2" in pk or "ban-test-2" in sk for pk, sk in keys)
    kinds = sorted({(pk.split("#")[0], sk.split("#")[0]) for pk, sk in keys})
    assert kinds == [("BALLOTS", "BALLOT"), ("EFFECTS", "EFFECT"), ("PROC", "COMMENT"), ("PROC", "PROPOSAL"),
                     ("PROC", "REPORT"), ("PROC", "STATE"), ("PROC", "SUPPORT")]
    assert len(keys) == len(set(keys)) == 11
    ballot_item = next(i for i in items if i["SK"]["S"] == "BALLOT#AAAA-BBBB-CCCC")
    assert len(ballot_item["versions"]["L"]) == 2  # the change kept the cast version
    assert "081-234-5678" not in repr(items)  # the contact only when asked for
    private = [i for i in repository.export_items(M, [P], contacts=True) if i["PK"]["S"].startswith("PRIVATE#")]
    assert [(i["SK"]["S"], i["contact"]["S"]) for i in private] == [("CONTACT#online-abc", "081-234-5678")]
    assert list(repository.export_items("nowhere", [P])) == []


@pytest.mark.parametrize("target_kind", ["memory", "dynamodb"])
def test_import_into_an_empty_repository_gives_the_same_items_and_reads(repository, target_kind):
    _populate(repository)
    items = list(repository.export_items(M, [P], contacts=True))
    target = make_repository(target_kind)
    same_kind = type(target) is type(repository)
    assert target.import_items(iter(items)) == len(items)
    assert _reads(target) == _reads(repository)
    if same_kind:  # as stored, item for item (the other kind answers the same reads)
        assert list(target.export_items(M, [P], contacts=True)) == items
    assert target.import_items(iter(items)) == len(items)  # a re-run writes the same items again
    assert _reads(target) == _reads(repository)
    # the imported ballots behave as before: a change is refused past the cap, the receipt is found
    assert target.get_ballot(M, P, "AAAA-BBBB-CCCC").version == 2
    changed = target.change_ballot(ballot(choices={"municipality": {"cctv-all": 1}}, changed_at=T0 + timedelta(days=4)))
    assert changed.version == 3 and len(changed.versions) == 3


@pytest.mark.parametrize("target_kind", ["memory", "dynamodb"])
def test_export_carries_who_is_who(repository, target_kind):
    """Issue 8's items survive a backup: a support's birth hash, a voided ballot and support, and
    the voter roll in force (its buckets too)."""
    from chalicelib.storage.records import Roll, VoidedBallot

    repository.init_state(state("ideas"))
    repository.add_support(M, P, "idea", "s1", T0, birth="h-impostor")
    repository.add_support(M, P, "idea", "s2", T0, birth="h2")
    repository.void_support(M, P, "idea", "s1", T0, "เจ้าของบัตรมาแสดงตน", "sub-1", _audit("support.void"))
    stored, _ = repository.cast_ballot(ballot(birth_hash="h", village=2))
    repository.void_ballot(VoidedBallot(stored, T0, "ผิดคน", "sub-1"), _audit())
    again, _ = repository.cast_ballot(ballot(birth_hash="h-real", village=2))
    repository.put_roll_buckets(M, P, "v1", {"abc": {"abc1": "b1 2"}})
    repository.switch_roll(Roll(M, P, "v1", T0, 1, {2: 1}), None, _audit("roll.upload"))
    items = list(repository.export_items(M, [P]))
    target = make_repository(target_kind)
    target.import_items(iter(items))
    target.import_items(iter(items))  # a re-run changes nothing
    assert target.support_birth(M, P, "idea", "s2") == "h2" and target.support_birth(M, P, "idea", "s1") is None
    assert target.support_counts(M, P) == {"idea": 1}
    [kept] = target.list_voided(M, P)
    assert (kept.reason, kept.ballot.birth_hash, kept.ballot.village) == ("ผิดคน", "h", 2)
    assert target.get_ballot(M, P, again.receipt).birth_hash == "h-real"
    assert target.get_roll(M, P) == repository.get_roll(M, P)
    assert target.roll_bucket(M, P, "v1", "abc") == {"abc1": "b1 2"}
