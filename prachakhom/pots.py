"""Where a process's money sits: its pots, what each holds, and which pot a proposal competes in.

A budgeting process has one pot per village (หมู่ที่) if its rules say `pots.per_village`, and one
municipality-wide pot if `pots.municipality_wide`. Pot ids are `village-<n>` and `municipality`: the
API, the ballot files (`<pot>.pb`), the pages and the tally all use these ids. The one definition of
each rule is here; content validation, the API and the site generator import it.
"""

from __future__ import annotations

from prachakhom.models import Budget, Municipality, ProcessTemplate, Proposal

MUNICIPALITY_POT = "municipality"
VILLAGE_POT_PREFIX = "village-"


def village_pot(number: int) -> str:
    """The id of village `number`'s pot."""
    return f"{VILLAGE_POT_PREFIX}{number}"


def pot_village(pot_id: str) -> int | None:
    """The village number of a `village-<n>` pot; None for the municipality-wide pot."""
    return None if pot_id == MUNICIPALITY_POT else int(pot_id.removeprefix(VILLAGE_POT_PREFIX))


def is_village_pot(pot_id: str) -> bool:
    return pot_id.startswith(VILLAGE_POT_PREFIX)


def pot_ids(rules: ProcessTemplate, municipality: Municipality) -> list[str]:
    """The pots a process has, in ballot order: `village-<n>` for each village (if per-village), then
    `municipality`."""
    pots = [village_pot(v.number) for v in municipality.villages] if rules.pots.per_village else []
    if rules.pots.municipality_wide:
        pots.append(MUNICIPALITY_POT)
    return pots


def pot_of(rules: ProcessTemplate, village: int | None) -> str:
    """The pot a proposal for `village` (None: the whole area) competes in: its village's pot if the
    process has village pots, else the municipality-wide pot."""
    if village is not None and rules.pots.per_village:
        return village_pot(village)
    return MUNICIPALITY_POT


def pot_budgets(rules: ProcessTemplate, budget: Budget | None, municipality: Municipality) -> dict[str, int]:
    """Pot id → baht, in ballot order (empty for a consultation without a budget). The
    municipality-wide pot holds `municipality_wide`, or, when that is not given, whatever the villages
    leave of the total."""
    if budget is None:
        return {}
    pots = {
        pot: budget.villages.get(village, 0)
        for pot in pot_ids(rules, municipality)
        if (village := pot_village(pot)) is not None
    }
    if rules.pots.municipality_wide:
        pots[MUNICIPALITY_POT] = budget.municipality_wide or (budget.total - sum(budget.villages.values()))
    return pots


def ballot_cost(proposal: Proposal) -> int | None:
    """What a proposal costs its pot on the ballot: staff's revised estimate if any, else the
    proposer's own (None: no cost, so it cannot be on a budgeting ballot)."""
    review = proposal.feasibility
    if review is not None and review.revised_cost is not None:
        return review.revised_cost
    return proposal.cost
