"""Who may vote or support an idea: a valid national ID and the minimum age of the rules in force.
Only keyed hashes leave here (the voter key), never the ID or the birth date."""

from __future__ import annotations

from datetime import date

from chalicelib.bodies import IdentityIn
from chalicelib.errors import Unprocessable
from chalicelib.services.gate import Place
from prachakhom.identity import age_on, is_valid_national_id, voter_key


def eligible_voter_key(place: Place, body: IdentityIn, secret: bytes, today: date) -> str:
    """The resident's voter key for this process (an HMAC), once eligible under its rules (else 422)."""
    minimum_age = place.rules.eligibility.minimum_age
    if not is_valid_national_id(body.national_id):
        raise Unprocessable.one("invalid_national_id", ("body", "national_id"))
    if body.birth_date > today:
        raise Unprocessable.one("birth_date_future", ("body", "birth_date"))
    if age_on(body.birth_date, today) < minimum_age:
        raise Unprocessable.one("too_young", ("body", "birth_date"), minimum_age=minimum_age)
    return voter_key(secret, *place.key, body.national_id)
