"""Site views: built once, complete (results included) and frozen; each ballot file parsed once."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest

import prachakhom.tally.pabulib as pabulib
from prachakhom.content import load_content
from prachakhom.snapshot import ProcessSnapshot, save_snapshot, snapshot_dir
from site_generator.pages import municipality_pages, page_environment
from site_generator.views import municipality_views, process_view
from tests.conftest import CONTENT, TODAY

FINISHED = ("tha-lamphu", "pb-2569")
IDEAS = ("huai-dok-ueang", "waste-ideas-2570")


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path | str]:
    """Every ballot file read: by path when read through `read_pabulib_file` (counted once), by its
    text when parsed by `read_pabulib` from anywhere else (the loader parses what its store read)."""
    seen: list[Path | str] = []
    read_file, read_text = pabulib.read_pabulib_file, pabulib.read_pabulib
    reading_file = []

    def counting_file(path: str | Path) -> pabulib.PabulibElection:
        seen.append(Path(path))
        reading_file.append(True)
        try:
            return read_file(path)
        finally:
            reading_file.pop()

    def counting_text(text: str) -> pabulib.PabulibElection:
        if not reading_file:
            seen.append(text.removeprefix("\ufeff"))
        return read_text(text)

    monkeypatch.setattr(pabulib, "read_pabulib_file", counting_file)
    monkeypatch.setattr(pabulib, "read_pabulib", counting_text)
    return seen


def test_a_view_is_complete_and_frozen() -> None:
    mdoc = load_content(CONTENT).municipalities[FINISHED[0]]
    view = process_view(mdoc.municipality, mdoc.processes[FINISHED[1]], TODAY, None)
    assert view.outcome_public and view.voting_closed
    assert view.outcome is not None  # the results are part of the view, not patched in later
    assert {p.pot.pot_id for p in view.outcome.pots} == set(mdoc.processes[FINISHED[1]].ballot_files)
    assert {f"{pot}.{ext}" for pot in mdoc.processes[FINISHED[1]].ballot_files for ext in ("pb", "csv", "json")} \
        == set(view.outcome.files)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.outcome = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.outcome.pots[0].pot.budget = 0  # type: ignore[misc]
    assert isinstance(view.proposals, tuple) and isinstance(view.phases, tuple)
    summary = process_view(mdoc.municipality, mdoc.processes[FINISHED[1]], TODAY, None, with_results=False)
    assert summary.outcome is None and summary.current == view.current


def test_each_ballot_file_is_parsed_once(parses: list[Path | str]) -> None:
    content = load_content(CONTENT)
    files = [p for m in content.municipalities.values() for d in m.processes.values() for p in d.ballot_files.values()]
    texts = [p.read_bytes().decode("utf-8-sig") for p in files]
    assert files and sorted(map(str, parses)) == sorted(texts)  # the loader checks each file once and keeps it
    parses.clear()
    for mdoc in content.municipalities.values():
        municipality_views(mdoc, TODAY, None)
    assert parses == []  # the results use what the loader parsed


def test_an_exported_ballot_file_replaces_the_contents_and_is_parsed_once(tmp_path: Path, parses: list[Path | str]) -> None:
    content = load_content(CONTENT)
    mdoc = content.municipalities[FINISHED[0]]
    doc = mdoc.processes[FINISHED[1]]
    pot = sorted(doc.ballot_files)[0]
    exported = snapshot_dir(tmp_path, *FINISHED) / "ballots" / f"{pot}.pb"
    exported.parent.mkdir(parents=True)
    original = doc.ballot_files[pot].read_text(encoding="utf-8")
    voters = original.split("VOTES\n", 1)[1].splitlines()[1:]
    exported.write_text(original.replace(voters[-1] + "\n", "") if len(voters) > 1 else original, encoding="utf-8")
    parses.clear()
    view = process_view(mdoc.municipality, doc, TODAY, tmp_path)
    assert parses == [exported]
    assert view.outcome is not None
    counted = {r.pot.pot_id: r.ballots for r in view.outcome.pots}
    assert counted[pot] == max(1, len(voters) - 1)


def test_a_consultation_publishes_its_outcome_in_its_last_phase(tmp_path: Path) -> None:
    content = load_content(CONTENT)
    mdoc = content.municipalities[IDEAS[0]]
    doc = mdoc.processes[IDEAS[1]]
    env = page_environment()
    results = f"{IDEAS[1]}/results/index.md"

    before = process_view(mdoc.municipality, doc, TODAY, None)
    assert before.current.definition.key == "ideas" and not before.outcome_public
    pages = municipality_pages(env, mdoc, [before], TODAY)
    assert "ยังไม่มีสรุปผล" in pages[results].body

    slugs = sorted(doc.proposals)
    supports = {slugs[1]: 7, slugs[0]: 3}
    save_snapshot(tmp_path, ProcessSnapshot(municipality=IDEAS[0], process=IDEAS[1], current_phase="response",
                                            phase_changed_at=datetime(2027, 1, 6, 9), support_counts=supports))
    after = process_view(mdoc.municipality, doc, TODAY, tmp_path)
    assert after.current.definition.key == "response"  # the API's stored phase wins over the content's
    assert after.outcome_public and not after.voting_closed and after.outcome is None
    body = municipality_pages(env, mdoc, [after], TODAY)[results].body
    assert "ยังไม่มีสรุปผล" not in body and "แนวคิดที่ได้รับการสนับสนุน" in body
    titles = [doc.proposals[s].proposal.title for s in (slugs[1], slugs[0])]
    assert body.index(titles[0]) < body.index(titles[1])  # most supported first
    assert "ผู้สนับสนุน 7 คน" in body
