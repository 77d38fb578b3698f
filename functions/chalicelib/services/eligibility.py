"""Who may vote or support an idea, and who they are: a valid national ID, the minimum age of the
rules in force, and — the ID being no secret — the birth date tied to it (`prachakhom.eligibility`:
modes `declared` and `roll`). Only keyed hashes leave here, never the ID or the birth date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chalicelib.bodies import IdentityIn
from chalicelib.errors import Conflict, Unprocessable
from chalicelib.services.gate import Place, TtlCache
from chalicelib.storage.records import Roll
from chalicelib.storage.repository import Repository
from prachakhom.eligibility import same_birth
from prachakhom.identity import age_on, is_valid_national_id, voter_key
from prachakhom.roll import birth_hash, entry_in, roll_bucket, roll_key

ROLL_TTL = 5.0
"""Seconds a warm container keeps which roll version is in force (an upload switches it)."""


@dataclass(frozen=True)
class Voter:
    """An eligible resident of one process, as hashes."""

    key: str
    """The voter key (`prachakhom.identity.voter_key`): names their ballot and supports."""
    birth: str
    """`prachakhom.roll.birth_hash` of the birth date given."""
    village: int | None
    """Their village on the roll (mode `roll`); None in mode `declared` (the first ballot says)."""


class Eligibility:
    def __init__(self, repository: Repository, secret: bytes) -> None:
        self.repository = repository
        self._secret = secret
        self._rolls: TtlCache[tuple[str, str], Roll | None] = TtlCache()

    def voter(self, place: Place, body: IdentityIn, today: date) -> Voter:
        """The resident as hashes, once eligible under the process's rules (else 422).

        Mode `roll`: the (ID, birth date) pair must be on the roll, checked here before any ballot
        or support is read, so a wrong pair gets one answer (`not_on_roll`) whether or not that ID
        has voted or is on the roll at all."""
        minimum_age = place.rules.eligibility.minimum_age
        if not is_valid_national_id(body.national_id):
            raise Unprocessable.one("invalid_national_id", ("body", "national_id"))
        if body.birth_date > today:
            raise Unprocessable.one("birth_date_future", ("body", "birth_date"))
        if age_on(body.birth_date, today) < minimum_age:
            raise Unprocessable.one("too_young", ("body", "birth_date"), minimum_age=minimum_age)
        m, p = place.key
        birth = birth_hash(self._secret, m, p, body.national_id, body.birth_date)
        voter = Voter(voter_key(self._secret, m, p, body.national_id), birth, None)
        if place.rules.eligibility.mode != "roll":
            return voter
        roll = self.roll(place)
        if roll is None:
            raise Conflict.one("no_roll", ("path", "process"))
        key = roll_key(self._secret, m, p, body.national_id)
        entry = entry_in(self.repository.roll_bucket(m, p, roll.version, roll_bucket(key)), key)
        if entry is None or not same_birth(entry.birth, birth):
            raise Unprocessable.one("not_on_roll", ("body", "national_id"))
        return Voter(voter.key, birth, entry.village)

    def roll(self, place: Place) -> Roll | None:
        """The roll in force (its pointer cached `ROLL_TTL` seconds per container)."""
        cached = self._rolls.get(place.key, ROLL_TTL)
        if cached is None:
            cached = self.repository.get_roll(*place.key)
            if cached is not None:
                self._rolls.put(place.key, cached)
        return cached

    def forget_roll(self, place: Place) -> None:
        self._rolls.forget(place.key)
