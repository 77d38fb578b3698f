"""Who a voter is, once they passed the ID and age check: the rules of the two eligibility modes.

A national ID number is not a secret in Thailand (photocopies of ID cards are handed out for every
errand), so the ID alone never decides whose ballot a request touches:

* `declared` (no roll): the first ballot (or support) stores `birth_hash` of the birth date typed
  and the village the voter declared; a change, the "already voted" answer and receipt recovery
  need the same birth date, and the village stays. A wrong birth date is refused without the
  receipt or the choices, and never becomes a second ballot (the ballot's key derives from the ID
  alone). An impostor who voted first is undone by staff voiding that ballot when the real person
  shows their card.
* `roll`: the voter roll (`prachakhom.roll`) says who may vote, their birth date (hashed) and their
  village. The pair (ID, birth date) must be on the roll — checked before any ballot is read, so a
  wrong pair gets the same answer whether or not that ID has voted (no oracle) — and the voter's
  village pot is the roll's.

Pure rules; the API's services read and write what they decide.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Mapping

from prachakhom.messages import message
from prachakhom.pots import is_village_pot, pot_village, village_pot
from prachakhom.tally.ballot_rules import BallotProblem

Choices = Mapping[str, Mapping[str, int]]


def same_birth(stored: str | None, offered: str) -> bool:
    """Whether the birth date offered (its keyed hash) is the one stored with the ballot or roll
    entry; constant time. A ballot stored before birth dates were kept (`None`) matches nothing:
    it can no longer be changed online (staff can void it)."""
    return stored is not None and hmac.compare_digest(stored, offered)


def chosen_village(choices: Choices) -> int | None:
    """The village whose pot the ballot fills (None: only the municipality-wide pot). A ballot with
    two village pots is refused by the ballot check itself (`one_village`)."""
    for pot, chosen in choices.items():
        if chosen and is_village_pot(pot) and pot.removeprefix("village-").isdigit():
            return pot_village(pot)
    return None


def village_problems(choices: Choices, village: int | None) -> list[BallotProblem]:
    """The ballot fills no village pot but the voter's: `village` is the roll's (roll mode) or the
    one declared with the first ballot (declared mode). None: the voter has no village yet
    (declared mode, first ballot) — anything goes, the ballot check allows one village pot."""
    if village is None:
        return []
    return [BallotProblem("not_your_village", message("not_your_village", village=village, pot=pot),
                          ("body", "choices", pot))
            for pot, chosen in choices.items()
            if chosen and is_village_pot(pot) and pot != village_pot(village)]


def without_withdrawn(choices: Choices, withdrawn: Collection[str]) -> dict[str, dict[str, int]]:
    """The withdrawal rule: a project withdrawn during the vote (e.g. found illegal) is taken off
    every ballot as if it had never been chosen; the voter's other choices still count (the rest of
    their points, approvals or budget stay as cast). A pot left empty is dropped."""
    out: dict[str, dict[str, int]] = {}
    for pot, chosen in choices.items():
        kept = {slug: points for slug, points in chosen.items() if slug not in withdrawn}
        if kept:
            out[pot] = kept
    return out
