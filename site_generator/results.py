"""Results of a closed vote: tally every pot with the process's rule, and publish the inputs.

Anyone can check a result: the anonymised ballots of each pot are published as Pabulib (`.pb`),
CSV and JSON next to the results, with their SHA-256 and the kit version, and
`prachakhom tally <pot>.pb --rule <rule>` recomputes the same winners.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from prachakhom import __version__
from prachakhom.tally import (
    Outcome,
    ProjectResult,
    TieBreaking,
    export_csv,
    export_json,
    export_pb,
    read_pabulib_file,
    sha256_hex,
    tally,
)
from prachakhom.tally.tiebreaking import DESCRIPTIONS_TH
from site_generator.views import PotView, ProcessView, ProposalView

RULE_NAMES_TH = {
    "greedy": "คะแนนสูงสุดก่อน (ข้ามโครงการที่งบประมาณเหลือไม่พอ)",
    "greedy-no-skip": "คะแนนสูงสุดก่อน (หยุดที่โครงการแรกที่งบประมาณไม่พอ)",
    "mes": "แบ่งงบประมาณอย่างเท่าเทียม (Method of Equal Shares)",
    "mes-add1": "แบ่งงบประมาณอย่างเท่าเทียม (Method of Equal Shares) และเติมงบประมาณที่เหลือ",
}


@dataclass(frozen=True)
class Download:
    label: str
    file_name: str
    sha256: str


@dataclass(frozen=True)
class ResultRow:
    result: ProjectResult
    proposal: ProposalView | None
    cost: int
    score: int | Fraction

    @property
    def title(self) -> str:
        return self.proposal.proposal.title if self.proposal else self.result.project_id


@dataclass(frozen=True)
class PotResult:
    pot: PotView
    outcome: Outcome
    rows: list[ResultRow]
    ballots: int
    downloads: list[Download]

    @property
    def budget_used(self) -> int:
        return int(self.outcome.pot.to_units(self.outcome.budget_used))

    @property
    def budget_left(self) -> int:
        return int(self.outcome.pot.to_units(self.outcome.budget_left))

    @property
    def deciding_ties(self) -> list[object]:
        return [t for t in self.outcome.ties if t.decided_winner]


@dataclass
class ProcessResults:
    rule: str
    rule_name: str
    tie_breaking: str
    kit_version: str
    pots: list[PotResult]
    files: dict[str, str] = field(default_factory=dict)
    """File name → text, published under `<process>/results/data/`."""


def process_results(view: ProcessView) -> ProcessResults | None:
    """The outcome of every pot that has ballots, once voting has closed; None before."""
    method = view.rules.tally.method
    if not view.voting_closed or method == "none" or not view.ballot_files:
        return None
    tie_breaking = TieBreaking(view.rules.tally.tie_breaking)
    proposals = {p.slug: p for p in view.proposals}
    results = ProcessResults(
        method, RULE_NAMES_TH[method], DESCRIPTIONS_TH[tie_breaking], __version__, pots=[]
    )
    for pot in view.pots:
        path = view.ballot_files.get(pot.pot_id)
        if path is None:
            continue
        election = read_pabulib_file(path)
        # min_score=1: a project nobody voted for is never funded, even if money is left
        outcome = tally(election.pot, election.profile, method, view.rules.tally.utility, tie_breaking, min_score=1)
        rows = [
            ResultRow(r, proposals.get(r.project_id), int(election.pot.to_units(r.cost)), r.score)
            for r in sorted(outcome.projects, key=lambda r: (not r.selected, -r.score))
        ]
        exports = {
            f"{pot.pot_id}.pb": ("Pabulib (.pb)", export_pb(election.pot, election.profile, {"rule": method})),
            f"{pot.pot_id}.csv": ("CSV", export_csv(election.pot, election.profile)),
            f"{pot.pot_id}.json": ("JSON", export_json(election.pot, election.profile)),
        }
        downloads = [Download(label, name, sha256_hex(text)) for name, (label, text) in exports.items()]
        results.files.update({name: text for name, (_, text) in exports.items()})
        results.pots.append(PotResult(pot, outcome, rows, len(election.profile), downloads))
    return results
