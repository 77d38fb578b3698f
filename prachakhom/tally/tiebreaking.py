"""Explicit, named tie-breaking: the order in which tied projects are taken.

The default, `supporters-cost-order`, prefers more supporters, then the cheaper project, then the
earlier proposal (its position in the input). `lexicographic` orders by project id as a string,
exactly like pabutools' `lexico_tie_breaking` (so that results can be compared with pabutools).
"""

from __future__ import annotations

from enum import StrEnum

from prachakhom.tally.election import Project


class TieBreaking(StrEnum):
    SUPPORTERS_COST_ORDER = "supporters-cost-order"
    LEXICOGRAPHIC = "lexicographic"
    INPUT_ORDER = "input-order"


DEFAULT_TIE_BREAKING = TieBreaking.SUPPORTERS_COST_ORDER

DESCRIPTIONS_TH: dict[TieBreaking, str] = {
    TieBreaking.SUPPORTERS_COST_ORDER: "ผู้สนับสนุนมากกว่าก่อน แล้วโครงการที่ถูกกว่า แล้วโครงการที่เสนอก่อน",
    TieBreaking.LEXICOGRAPHIC: "เรียงตามรหัสโครงการ (ตัวอักษร)",
    TieBreaking.INPUT_ORDER: "โครงการที่เสนอก่อน",
}


def tie_key(rule: TieBreaking, project: Project, supporters: int) -> tuple[object, ...]:
    """Sort key: among tied projects the smallest key wins."""
    if rule is TieBreaking.LEXICOGRAPHIC:
        return (project.id,)
    if rule is TieBreaking.INPUT_ORDER:
        return (project.order,)
    return (-supporters, project.cost, project.order)
