"""Voiding a ballot: the real voter shows their ID card in person after someone else voted with
their ID number (in mode `declared` the first ballot fixes the birth date, so an impostor who voted
first would otherwise lock the resident out).

The ballot is kept, marked void with the reason, who voided it and when, and is never counted; its
receipt is free again so the real voter can vote. One atomic write with the audit entry. Refused
once the vote has closed (the count must not move after the close).
"""

from __future__ import annotations

from chalicelib.errors import Conflict, NotFound, Unprocessable
from chalicelib.services.gate import Gate
from chalicelib.storage.records import VoidedBallot
from chalicelib.storage.repository import NotStored
from prachakhom.audit import Actor, audit_entry
from prachakhom.ballot import receipt_code
from prachakhom.identity import is_valid_national_id, keyed_hash, voter_key
from prachakhom.participation import voting_closed


class VoidService:
    def __init__(self, gate: Gate, secret: bytes) -> None:
        self.gate = gate
        self._secret = secret

    def void_support(self, municipality: str, process: str, proposal: str, national_id: str, reason: str,
                     actor: Actor, request_id: str = "") -> None:
        """The same for a support of an idea: taken off the count, kept apart, the resident may
        support again (with their own birth date)."""
        self.gate.place(municipality, process)
        if not is_valid_national_id(national_id):
            raise Unprocessable.one("invalid_national_id", ("body", "national_id"))
        key = voter_key(self._secret, municipality, process, national_id)
        supporter = keyed_hash(self._secret, "support", key)
        now = self.gate.clock.now()
        entry = audit_entry(
            actor=actor, municipality=municipality, action="support.void",
            target=f"{process}/proposals/{proposal}/supports", before={"supported": True},
            after={"void": True, "reason": reason}, secret=self._secret, at=now, request_id=request_id)
        try:
            self.gate.repository.void_support(municipality, process, proposal, supporter, now, reason, actor.sub, entry)
        except NotStored:
            raise NotFound.one("no_support_to_void", ("body", "national_id")) from None

    def void(self, municipality: str, process: str, national_id: str, reason: str, actor: Actor,
             request_id: str = "") -> VoidedBallot:
        place = self.gate.place(municipality, process)
        if not is_valid_national_id(national_id):
            raise Unprocessable.one("invalid_national_id", ("body", "national_id"))
        if voting_closed(place.rules, self.gate.state(place).phase):
            raise Conflict.one("void_after_close", ("path", "process"))
        key = voter_key(self._secret, municipality, process, national_id)
        receipt = receipt_code(self._secret, key)
        ballot = self.gate.repository.get_ballot(municipality, process, receipt)
        if ballot is None or ballot.ballot_id != keyed_hash(self._secret, "ballot", key):
            raise NotFound.one("no_ballot_to_void", ("body", "national_id"))
        now = self.gate.clock.now()
        voided = VoidedBallot(ballot, now, reason, actor.sub)
        entry = audit_entry(
            actor=actor, municipality=municipality, action="ballot.void", target=f"{process}/ballots/{receipt}",
            before={"receipt": receipt, "version": ballot.version, "cast_at": ballot.cast_at},
            after={"void": True, "reason": reason}, secret=self._secret, at=now, request_id=request_id)
        try:
            self.gate.repository.void_ballot(voided, entry)
        except NotStored:
            raise Conflict.one("ballot_changed", ("body", "national_id")) from None
        return voided
