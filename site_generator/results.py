"""Results of a closed vote: tally every pot with the process's rule, and publish the inputs.

Anyone can check a result: the anonymised ballots of each pot are published as Pabulib (`.pb`),
CSV and JSON next to the results, with their SHA-256 and the kit version, and the command printed
beside them (`prachakhom.counting.CountSettings.command`: rule, utility and tie-breaking, nothing
left to a default) recomputes exactly the page's winners from the published `.pb`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from prachakhom import __version__
from prachakhom.counting import CountSettings, count_settings
from prachakhom.models import ProcessTemplate
from prachakhom.tally import (
    Outcome,
    ProjectResult,
    TieBreaking,
    export_csv,
    export_json,
    export_pb,
    sha256_hex,
)
from prachakhom.tally.tiebreaking import DESCRIPTIONS_TH

if TYPE_CHECKING:  # the views build the results (`site_generator.views.process_view`)
    from prachakhom.tally.pabulib import PabulibElection
    from site_generator.views import PotView, ProposalView

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
    rows: tuple[ResultRow, ...]
    ballots: int
    downloads: tuple[Download, ...]
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


@dataclass(frozen=True)
class ProcessResults:
    rule: str
    rule_name: str
    tie_breaking: str
    kit_version: str
    pots: tuple[PotResult, ...]
    files: Mapping[str, str]
    """File name → text, published under `<process>/results/data/`."""


@dataclass(frozen=True)
class CountedPot:
    """One pot counted as the page shows it, with the files published for it and the command that
    recomputes it from the published `.pb`."""

    outcome: Outcome
    files: Mapping[str, tuple[str, str]]
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


def process_results(
    rules: ProcessTemplate,
    pots: Sequence[PotView],
    proposals: Sequence[ProposalView],
    elections: Mapping[str, PabulibElection],
) -> ProcessResults | None:
    """The outcome of every pot that has ballots (None: the process is not tallied, or has no ballots).

    The caller decides when the outcome is public (`prachakhom.participation.outcome_public`); the
    ballots are parsed once, by whoever read the file (`site_generator.views._elections`). Each pot is
    counted by `prachakhom.counting.count_settings` — the settings the published command names."""
    settings = count_settings(rules)
    if settings is None or not elections:
        return None
    by_slug = {p.slug: p for p in proposals}
    results: list[PotResult] = []
    files: dict[str, str] = {}
    for pot in pots:
        election = elections.get(pot.pot_id)
        if election is None:
            continue
        counted = count_pot(pot.pot_id, election, settings)
        rows = tuple(
            ResultRow(r, by_slug.get(r.project_id), int(election.pot.to_units(r.cost)), r.score)
            for r in sorted(counted.outcome.projects, key=lambda r: (not r.selected, -r.score))
        )
        downloads = tuple(Download(label, name, sha256_hex(text)) for name, (label, text) in counted.files.items())
        files.update({name: text for name, (_, text) in counted.files.items()})
        results.append(PotResult(pot, counted.outcome, rows, len(election.profile), downloads, counted.command))
    return ProcessResults(settings.rule, RULE_NAMES_TH[settings.rule],
                          DESCRIPTIONS_TH[TieBreaking(settings.tie_breaking)], __version__, tuple(results), files)
