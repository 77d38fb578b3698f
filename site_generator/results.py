"""Results of a closed vote: tally every pot with the process's rule, and publish the inputs.

Anyone can check a result: the anonymised ballots of each pot are published as Pabulib (`.pb`),
CSV and JSON next to the results, with their SHA-256 and the kit version, and the command printed
beside them (`prachakhom.counting.CountSettings.command`: rule, utility and tie-breaking, nothing
left to a default) recomputes exactly the page's winners from the published `.pb`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from prachakhom import __version__
from prachakhom.counting import CountSettings, count_settings
from prachakhom.tally import (
    Outcome,
    PabulibElection,
    ProjectResult,
    TieBreaking,
    export_csv,
    export_json,
    export_pb,
    read_pabulib_file,
    sha256_hex,
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
    command: str
    """The recompute command printed beside the downloads: gives exactly `outcome.winners`."""

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


@dataclass(frozen=True)
class CountedPot:
    """One pot counted as the page shows it, with the files published for it and the command that
    recomputes it from the published `.pb`."""

    outcome: Outcome
    files: dict[str, tuple[str, str]]
    """File name → (label, text)."""
    command: str


def count_pot(pot_id: str, election: PabulibElection, settings: CountSettings) -> CountedPot:
    """Count one pot's ballots and prepare what is published beside the result."""
    outcome = settings.count(election.pot, election.profile)
    meta: dict[str, str] = {"rule": settings.rule, "tie_breaking": settings.tie_breaking}
    if settings.utility is not None:
        meta["utility"] = settings.utility
    pb_name = f"{pot_id}.pb"
    files = {
        pb_name: ("Pabulib (.pb)", export_pb(election.pot, election.profile, meta)),
        f"{pot_id}.csv": ("CSV", export_csv(election.pot, election.profile)),
        f"{pot_id}.json": ("JSON", export_json(election.pot, election.profile)),
    }
    return CountedPot(outcome, files, settings.command(pb_name))


def process_results(view: ProcessView) -> ProcessResults | None:
    """The outcome of every pot that has ballots, once voting has closed; None before."""
    settings = count_settings(view.rules)
    if not view.voting_closed or settings is None or not view.ballot_files:
        return None
    proposals = {p.slug: p for p in view.proposals}
    results = ProcessResults(settings.rule, RULE_NAMES_TH[settings.rule],
                             DESCRIPTIONS_TH[TieBreaking(settings.tie_breaking)], __version__, pots=[])
    for pot in view.pots:
        path = view.ballot_files.get(pot.pot_id)
        if path is None:
            continue
        election = read_pabulib_file(path)
        counted = count_pot(pot.pot_id, election, settings)
        rows = [
            ResultRow(r, proposals.get(r.project_id), int(election.pot.to_units(r.cost)), r.score)
            for r in sorted(counted.outcome.projects, key=lambda r: (not r.selected, -r.score))
        ]
        downloads = [Download(label, name, sha256_hex(text)) for name, (label, text) in counted.files.items()]
        results.files.update({name: text for name, (_, text) in counted.files.items()})
        results.pots.append(PotResult(pot, counted.outcome, rows, len(election.profile), downloads, counted.command))
    return results
