"""The count, before it is published: staff see the outcome per pot (a staff-only preview), and the
close of the vote counts first and moves the phase only if the count succeeded.

Both run exactly what the rebuild publishes after the close — the ballots the count takes
(`rebuild.counted_choices`: last version before the close, withdrawn projects' votes ignored), the
Pabulib file of each pot (`rebuild.write_ballot_files`, into a scratch folder), read back as the results page reads it, counted
with the process's settings (`prachakhom.counting.count_settings`) — so a set-up or a stored ballot
that the close could not count is found while the phase is still `voting`: the close is refused with
the reason, nothing is stored, and a retry after the fix goes through. No phase is ever stored as
past the vote with nothing the results page can count.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.errors import Conflict
from chalicelib.services.ballots import ballot_projects_of
from chalicelib.services.gate import Gate, Place
from chalicelib.storage.records import ProcessState
from prachakhom.counting import count_settings
from prachakhom.participation import voting_closed

if TYPE_CHECKING:  # the tally is imported on first count, not at the API's cold start
    from prachakhom.tally.outcome import Outcome


log = logging.getLogger("prachakhom.outcome")


@dataclass(frozen=True)
class PotCount:
    pot: str
    ballots: int
    outcome: Outcome


class OutcomeService:
    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    def preview(self, municipality: str, process: str) -> tuple[ProcessState, list[PotCount]]:
        """The outcome per pot as it stands (staff only): the count at the close if the vote has
        closed, else of every ballot stored so far."""
        place = self.gate.place(municipality, process)
        state = self.gate.state(place)
        closed_at = state.vote_closed_at if voting_closed(place.rules, state.phase) else None
        try:
            return state, self.count(place, closed_at, state)
        except Exception as err:  # handled: the staff member reads why (409), the log has the trace
            log.exception("count preview of %s/%s failed", municipality, process)
            raise Conflict.one("count_failed", ("path", "process"), reason=f"{type(err).__name__}: {err}"[:300]) from None

    def count(self, place: Place, closed_at: datetime | None, state: ProcessState | None = None) -> list[PotCount]:
        """Count every pot with projects as the published files will be counted (raises what fails)."""
        from chalicelib.rebuild import counted_choices, withdrawn_of, write_ballot_files
        from prachakhom.models import PUBLIC_PROPOSAL_STATUSES
        from prachakhom.tally.pabulib import read_pabulib

        settings = count_settings(place.rules)
        if settings is None:
            return []
        repo = self.gate.repository
        m, p = place.key
        state = state if state is not None else self.gate.state(place)
        fence = self.gate.fence(place, state)
        online = [r for r in fence.proposals(repo.list_proposals(m, p)) if r.status in PUBLIC_PROPOSAL_STATUSES]
        ballots = counted_choices(repo.iter_ballots(m, p), closed_at, withdrawn_of(place, online))
        counts = []
        with tempfile.TemporaryDirectory(prefix="prachakhom-count-") as scratch:
            folder = Path(scratch)
            write_ballot_files(place, ballot_projects_of(repo, place, fence), ballots, folder)
            for path in sorted(folder.glob("*.pb")):
                election = read_pabulib(path.read_text(encoding="utf-8"))
                counts.append(PotCount(path.stem, len(election.profile), settings.count(election.pot, election.profile)))
        return counts
