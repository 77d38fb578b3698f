"""Results pages: winners per pot as the reference implementation computes them, with checkable inputs."""

from __future__ import annotations

import hashlib
import json
import random
import re
import shlex
import subprocess
import sys
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest

from prachakhom.ballot import ballot_projects, tally_pot
from prachakhom.content import ProcessDoc, load_content
from prachakhom.counting import tally_kind
from prachakhom.errors import ContentError
from prachakhom.models import Municipality
from prachakhom.pots import pot_budgets
from prachakhom.snapshot import ProcessSnapshot, save_snapshot
from prachakhom.tally import Ballot, BallotKind, Profile, export_pb
from site_generator.results import ProcessResults
from site_generator.thai_text import slugify
from site_generator.views import PotView, process_view
from tests.conftest import CONTENT, REPO, TODAY, ContentFactory
from tests.conftest_tally import run_recompute_command


def finished_process():  # type: ignore[no-untyped-def]
    content = load_content(CONTENT)
    for mslug, mdoc in content.municipalities.items():
        for pslug, pdoc in mdoc.processes.items():
            if pdoc.ballot_files:
                return mslug, pslug, pdoc
    raise AssertionError("the demo needs a finished process with ballots")


def pots_of(mslug: str, pdoc) -> list[PotView]:  # type: ignore[no-untyped-def]
    return process_view(load_content(CONTENT).municipalities[mslug].municipality, pdoc, TODAY, None).pots


def won_on_page(html: str, pot_heading_id: str) -> list[str]:
    section = html[html.index(f'id="{pot_heading_id}"') :]
    section = section[: section.index("</table>")]
    return re.findall(r'<tr[^>]* class="pk-won">\s*<td[^>]*><a href="\.\./proposals/([^/]+)/"', section)


def test_results_page_winners_equal_pabutools(demo_site: Path) -> None:
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare

    mslug, pslug, pdoc = finished_process()
    assert pdoc.rules.tally.method == "greedy"  # the demo overrides the template's MES
    html = (demo_site / mslug / pslug / "results" / "index.html").read_text(encoding="utf-8")
    view_pots = pots_of(mslug, pdoc)
    assert {p.pot_id for p in view_pots} == set(pdoc.ballot_files)
    for pot in view_pots:
        instance, profile = parse_pabulib(str(pdoc.ballot_files[pot.pot_id]))
        reference = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
        expected = sorted(p.name for p in reference)
        assert expected, pot.pot_id
        assert sorted(won_on_page(html, slugify(pot.name, "-"))) == expected, pot.pot_id


def test_published_ballots_are_checkable(demo_site: Path) -> None:
    mslug, pslug, pdoc = finished_process()
    results = demo_site / mslug / pslug / "results"
    html = (results / "index.html").read_text(encoding="utf-8")
    pot_id = sorted(pdoc.ballot_files)[0]
    for ext in ("pb", "csv", "json"):
        data = (results / "data" / f"{pot_id}.{ext}").read_bytes()
        assert f'href="data/{pot_id}.{ext}"' in html
        assert hashlib.sha256(data).hexdigest() in html
    assert b"voter_id" not in (results / "data" / f"{pot_id}.json").read_bytes()
    out = subprocess.run(
        [sys.executable, "-m", "prachakhom.commands.cli", "tally", str(results / "data" / f"{pot_id}.pb"), "--rule", "greedy",
         "--json"],
        capture_output=True, text=True, check=True, cwd=REPO,
    )
    recomputed = json.loads(out.stdout)
    view_pots = pots_of(mslug, pdoc)
    pot = next(p for p in view_pots if p.pot_id == pot_id)
    assert sorted(recomputed["winners"]) == sorted(won_on_page(html, slugify(pot.name, "-")))
    assert "kit_version" in recomputed and f"prachakhom tally {pot_id}.pb --rule greedy" in html


def test_results_wait_until_voting_closes(demo_site: Path) -> None:
    content = load_content(CONTENT)
    for mslug, mdoc in content.municipalities.items():
        for pslug, pdoc in mdoc.processes.items():
            if pdoc.process.current_phase == "voting":
                results = demo_site / mslug / pslug / "results"
                assert "ยังไม่ประกาศผล" in (results / "index.html").read_text(encoding="utf-8")
                assert not (results / "data").exists()
                return
    pytest.fail("the demo needs a process in the voting phase")


BALLOTS = """META
key;value
num_projects;1
num_votes;2
budget;{budget}
vote_type;approval
PROJECTS
project_id;cost;votes
{project};{cost};2
VOTES
voter_id;vote
1;{project}
2;{project}
"""


@pytest.mark.parametrize(
    ("budget", "project", "cost", "field", "words"),
    [
        (999, "road-north", 120000, "META.budget", "differs from this pot's budget"),
        (150000, "no-such-thing", 120000, "PROJECTS.no-such-thing", "no proposal with this slug"),
        (150000, "road-north", 99, "PROJECTS.road-north", "differs from the proposal's cost"),
    ],
)
def test_ballot_files_must_match_the_process(
    content_factory: ContentFactory, budget: int, project: str, cost: int, field: str, words: str
) -> None:
    path = content_factory.process_dir / "ballots" / "village-1.pb"
    path.parent.mkdir()
    path.write_text(BALLOTS.format(budget=budget, project=project, cost=cost), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(content_factory.root)
    assert any(p.field == field and words in p.message for p in caught.value.problems), caught.value.report()


def test_a_matching_ballot_file_is_accepted(content_factory: ContentFactory) -> None:
    path = content_factory.process_dir / "ballots" / "village-1.pb"
    path.parent.mkdir()
    path.write_text(BALLOTS.format(budget=150000, project="road-north", cost=120000), encoding="utf-8")
    doc = load_content(content_factory.root).municipalities["thot-sop"].processes["pb-2570"]
    assert set(doc.ballot_files) == {"village-1"}


# --- one command a reader can rerun: it gives exactly the page's winners --------------------------


def _write_published(results: ProcessResults, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in results.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_the_published_command_gives_the_page_winners_on_the_demo_site(demo_site: Path) -> None:
    """Every demo process with results: run each pot's printed command on the published .pb."""
    checked = 0
    for results_page in sorted(demo_site.glob("*/*/results/index.html")):
        html = results_page.read_text(encoding="utf-8")
        commands = [unescape(c) for c in re.findall(r'<code class="pk-command">([^<]*)</code>', html)]
        for command in commands:
            pot_id = shlex.split(command)[2].removesuffix(".pb")
            recomputed = run_recompute_command(command, results_page.parent / "data")
            pot = next(p for p in pots_of(*_docs_of(results_page)) if p.pot_id == pot_id)
            assert sorted(recomputed["winners"]) == sorted(won_on_page(html, slugify(pot.name, "-"))), command
            assert recomputed["winners"], command
            checked += 1
    assert checked >= 2


def _docs_of(results_page: Path):  # type: ignore[no-untyped-def]
    mslug, pslug = results_page.parts[-4], results_page.parts[-3]
    return mslug, load_content(CONTENT).municipalities[mslug].processes[pslug]


def _close_with_random_ballots(doc: ProcessDoc, municipality: Municipality, data_dir: Path, seed: int) -> int:
    """What the API's close leaves for the build: phase `results`, one .pb per pot (random voters;
    some village pots get none at all, and some projects no vote); how many pots have a file."""
    rng = random.Random(seed)
    projects = ballot_projects(doc, [])
    kind = tally_kind(doc.rules.ballot.kind)
    folder = data_dir / doc.municipality_slug / doc.slug / "ballots"
    folder.mkdir(parents=True)
    for pot_id, budget in pot_budgets(doc.rules, doc.process.budget, municipality).items():
        pot = tally_pot(pot_id, budget, projects)
        if not pot.projects or rng.random() < 0.3:
            continue
        ids = [p.id for p in pot.projects]
        ballots = []
        for _ in range(rng.randint(0, 12)):
            offered = ids[: max(1, len(ids) - 1)]  # the last project of each pot gets no vote
            chosen = rng.sample(offered, rng.randint(1, min(3, len(offered))))
            points = tuple(rng.randint(1, 5) for _ in chosen) if kind is BallotKind.CUMULATIVE else None
            ballots.append(Ballot(tuple(chosen), points))
        (folder / f"{pot_id}.pb").write_text(export_pb(pot, Profile(kind, tuple(ballots))), encoding="utf-8")
    save_snapshot(data_dir, ProcessSnapshot(municipality=doc.municipality_slug, process=doc.slug,
                                            current_phase="results"))
    return len(list(folder.glob("*.pb")))


SETTINGS_OVERRIDES = [
    ({}, {}),
    ({}, {"method": "mes-add1", "utility": "cardinality", "tie_breaking": "input-order"}),
    ({}, {"method": "greedy-no-skip", "tie_breaking": "lexicographic"}),
    ({}, {"method": "mes", "utility": "cost", "tie_breaking": "lexicographic"}),
    ({"kind": "points", "total_points": 10, "max_points_per_project": 5}, {"method": "mes-add1", "utility": "points"}),
    ({"kind": "points", "total_points": 10, "max_points_per_project": 5}, {"method": "greedy"}),
    ({"kind": "budget"}, {"method": "greedy", "tie_breaking": "input-order"}),
]


@pytest.mark.parametrize("seed", range(len(SETTINGS_OVERRIDES)))
def test_the_published_command_gives_the_page_winners_for_random_closes(tmp_path: Path, seed: int) -> None:
    """Every demo budgeting process, closed with random ballots under various counting set-ups."""
    ballot, tally_settings = SETTINGS_OVERRIDES[seed]
    content = load_content(CONTENT)
    compared = 0
    for mslug, mdoc in content.municipalities.items():
        for pslug, doc in mdoc.processes.items():
            if doc.rules.kind != "budgeting":
                continue
            rules = doc.rules.model_validate({**doc.rules.model_dump(), "ballot": ballot or doc.rules.ballot.model_dump(),
                                              "tally": {**doc.rules.tally.model_dump(), **tally_settings}})
            doc = replace(doc, rules=rules, ballot_files={}, ballots={})
            data_dir = tmp_path / f"{mslug}-{pslug}"
            if not _close_with_random_ballots(doc, mdoc.municipality, data_dir, seed):
                continue  # nothing on the ballot yet (a process still collecting proposals)
            results = process_view(mdoc.municipality, doc, TODAY, data_dir).outcome
            assert results is not None, (mslug, pslug)
            published = _write_published(results, data_dir / "published")
            for pot in results.pots:
                recomputed = run_recompute_command(pot.command, published)
                assert recomputed["winners"] == list(pot.outcome.winners), (mslug, pslug, pot.command)
                assert recomputed["budget_used"] == pot.budget_used
                compared += 1
    assert compared >= 5


def test_many_projects_put_each_pot_on_pages_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big city's results (more than pages.RESULTS_INLINE_ROWS projects): the results page links to a
    page per pot, RESULTS_PER_PAGE rows each, and every project's row is on one of them."""
    from site_generator import pages
    from site_generator.build import build_all

    mslug, pslug, pdoc = finished_process()
    monkeypatch.setattr(pages, "RESULTS_INLINE_ROWS", 3)
    monkeypatch.setattr(pages, "RESULTS_PER_PAGE", 2)
    build_all(CONTENT, tmp_path / "site", only=mslug, today=TODAY, progress=False)
    results = tmp_path / "site" / mslug / pslug / "results"
    overview = (results / "index.html").read_text(encoding="utf-8")
    assert "<table" not in overview
    for pot in pots_of(mslug, pdoc):
        if pot.pot_id not in pdoc.ballot_files:
            continue
        assert f'href="{pot.pot_id}/"' in overview
        rows = []
        for page in sorted((results / pot.pot_id).rglob("index.html")):
            html = page.read_text(encoding="utf-8")
            found = re.findall(r'<td[^>]*class="pk-results__title"><a href="(?:\.\./)+proposals/([^/]+)/"', html)
            assert 0 < len(found) <= 2, page
            rows += found
        assert len(rows) == len(set(rows)) >= 3
        for href in re.findall(r'href="((?:\.\./)+)proposals/', (results / pot.pot_id / "page_2" / "index.html")
                               .read_text(encoding="utf-8")):
            assert href == "../../../"  # results/<pot>/page_2/ → the process folder
