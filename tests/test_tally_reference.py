"""Our winners equal pabutools' (the reference) on the real Pabulib files, same tie-breaking.

CI runs the files where pabutools is quick, chosen by a measurable size (num_votes × num_projects,
and for add1 also projects × budget, which bounds how many times MES is re-run); the benchmark
(`tests/bench/tally.py`) covers the large ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prachakhom.tally import BallotKind, TieBreaking, read_pabulib_file, tally
from tests.conftest_tally import expected_winners, file_meta, pb_files, size

QUICK = 500_000          # pabutools ≈ 3 µs per vote×project for MES: ≤ ~1.5 s per file and rule
ADD1_QUICK = 3_000_000   # num_projects × budget for MES + add1 (each +1 re-runs MES)


def _files(limit: int, add1: bool = False) -> list[Path]:
    chosen = []
    for path in pb_files():
        meta = file_meta(path)
        if meta.get("vote_type") == "ordinal" or size(path) > limit:
            continue
        if add1 and int(meta.get("num_projects", 0)) * float(meta["budget"]) > ADD1_QUICK:
            continue
        chosen.append(path)
    return chosen


def _compare(path: Path, rule: str, utility: str | None) -> None:
    election = read_pabulib_file(path)
    if utility == "cardinality" and election.profile.kind not in (BallotKind.APPROVAL, BallotKind.CHOOSE_ONE):
        pytest.skip("cardinality utility is for approval ballots")
    ours = tally(election.pot, election.profile, rule, utility, TieBreaking.LEXICOGRAPHIC)
    theirs, unsupported_funded = expected_winners(election, rule, utility, path.read_text(encoding="utf-8-sig"))
    # every real election gives each project at least one vote, so here the two must agree exactly
    assert not unsupported_funded
    assert list(ours.winners) == theirs


GREEDY_MES = _files(QUICK)
ADD1 = _files(QUICK, add1=True)


@pytest.mark.parametrize("path", GREEDY_MES, ids=[p.stem for p in GREEDY_MES])
def test_greedy_matches_pabutools(path: Path) -> None:
    _compare(path, "greedy", None)


@pytest.mark.parametrize("path", GREEDY_MES, ids=[p.stem for p in GREEDY_MES])
@pytest.mark.parametrize("utility", ["cost", "cardinality"])
def test_mes_matches_pabutools(path: Path, utility: str) -> None:
    _compare(path, "mes", None if utility == "cost" else utility)


@pytest.mark.parametrize("path", ADD1, ids=[p.stem for p in ADD1])
def test_mes_add1_matches_pabutools(path: Path) -> None:
    _compare(path, "mes-add1", None)


def test_some_files_are_compared() -> None:
    if not pb_files():
        pytest.skip("Pabulib files not found")
    assert len(GREEDY_MES) >= 15 and len(ADD1) >= 4
