"""Pabulib reading and writing: every real file, each quirk, errors, and round trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prachakhom.tally import (
    Ballot,
    BallotKind,
    PabulibElection,
    PabulibError,
    Pot,
    Profile,
    Project,
    read_pabulib,
    read_pabulib_file,
    write_pabulib,
)
from prachakhom.text import TextProblem, clean_text
from tests.conftest_tally import file_meta, need_pabulib, pb_files

FILES = pb_files()


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_file_parses_with_meta_counts(path: Path) -> None:
    election = read_pabulib_file(path)
    meta = file_meta(path)
    if "num_projects" in meta:
        assert len(election.pot.projects) == int(meta["num_projects"])
    if "num_votes" in meta:
        assert len(election.profile) == int(meta["num_votes"])


def test_pabulib_files_present() -> None:
    assert len(list(need_pabulib().glob("*.pb"))) >= 40


def test_crlf_lowercase_sections_name_cost_header_and_no_voter_id() -> None:
    text = "meta\r\nkey;value\r\nvote_type;approval\r\nbudget;100\r\n\r\nprojects\r\nname;cost\r\np1;50\r\np2;60\r\n" \
           "votes\r\nvote\r\np1\r\np1,p2\r\n"
    e = read_pabulib(text)
    assert [p.id for p in e.pot.projects] == ["p1", "p2"]
    assert [b.selections for b in e.profile.ballots] == [("p1",), ("p1", "p2")]
    assert [b.voter_id for b in e.profile.ballots] == ["1", "2"]


def test_decimal_amounts_are_scaled_exactly() -> None:
    text = "META\nkey;value\nvote_type;approval\nbudget;2828094.61\nPROJECTS\nproject_id;cost\n" \
           "A;4000.0\nB;1000.5\nVOTES\nvoter_id;vote\n1;A,B\n"
    e = read_pabulib(text)
    assert e.pot.money_scale == 100
    assert e.pot.budget == 282809461
    assert [p.cost for p in e.pot.projects] == [400000, 100050]
    assert str(e.pot.to_units(e.pot.budget)) == "2828094.61"


def test_repeated_project_approval_dedup_and_cumulative_keeps_last() -> None:
    approval = read_pabulib("META\nkey;value\nvote_type;approval\nbudget;10\nPROJECTS\nproject_id;cost\n"
                            "a;1\nb;1\nVOTES\nvoter_id;vote\n1;a,a,b\n")
    assert approval.profile.ballots[0].selections == ("a", "b")
    cumulative = read_pabulib("META\nkey;value\nvote_type;cumulative\nbudget;10\nPROJECTS\nproject_id;cost\n"
                              "a;1\nb;1\nVOTES\nvoter_id;vote;points\n1;a,b,a;1,2,3\n")
    assert cumulative.profile.ballots[0].points_of() == {"a": 3, "b": 2}


def test_real_quirks_czestochowa_repeated_points_like_pabutools() -> None:
    folder = need_pabulib()
    e = read_pabulib_file(folder / "Poland_Czestochowa_2020.pb")
    ballot = next(b for b in e.profile.ballots if b.voter_id == "13026")
    assert ballot.points_of() == {"579": 1}


def test_ordinal_ballots_keep_the_ranking() -> None:
    folder = need_pabulib()
    e = read_pabulib_file(folder / "Poland_Krakow_2021.pb")
    assert e.profile.kind is BallotKind.ORDINAL
    first = e.profile.ballots[0]
    assert first.selections == ("98", "42", "20") and first.points is None


def test_selected_other_than_0_1_kept_as_text() -> None:
    folder = need_pabulib()
    e = read_pabulib_file(folder / "Poland_Katowice_2024_Murcki.pb")
    assert e.project_meta["L18/16/XI"]["selected"] == "2"


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("META\nkey;value\nvote_type;approval\nbudget;10\nPROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\n1;zz\n",
     10, "unknown project 'zz'"),
    ("META\nkey;value\nvote_type;approval\nbudget;10\nPROJECTS\nproject_id;cost\na;lots\n", 7, "not a number"),
    ("META\nkey;value\nvote_type;cumulative\nbudget;10\nPROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote;points"
     "\n1;a;1,2\n", 10, "1 projects but 2 points"),
    ("hello\n", 1, "before any META"),
])
def test_bad_files_name_line_and_problem(text: str, line: int, fragment: str) -> None:
    with pytest.raises(PabulibError) as err:
        read_pabulib(text)
    assert err.value.line == line
    assert fragment in str(err.value)


@pytest.mark.parametrize("name", ["Poland_Warszawa_2023_Wesola", "Switzerland_Zurich_D10",
                                  "Poland_Krakow_2025_Pradnik_Bialy", "Netherlands_Amsterdam_604"])
def test_writer_round_trip_ours_and_pabutools(name: str) -> None:
    from pabutools.election.pabulib import parse_pabulib_from_string

    original = read_pabulib_file(need_pabulib() / f"{name}.pb")
    text = write_pabulib(original)
    again = read_pabulib(text)
    assert again.pot == original.pot
    assert [b.points_of() for b in again.profile.ballots] == [b.points_of() for b in original.profile.ballots]
    instance, profile = parse_pabulib_from_string(text)
    costs = {p.name: p.cost * original.pot.money_scale for p in instance}
    assert costs == {p.id: p.cost for p in original.pot.projects}
    assert instance.budget_limit * original.pot.money_scale == original.pot.budget
    assert len(profile) == len(original.profile)
    if original.profile.kind is not BallotKind.ORDINAL:
        theirs = [{p.name: (ballot[p] if hasattr(ballot, "get") else 1) for p in ballot} for ballot in profile]
        assert theirs == [b.points_of() for b in original.profile.ballots]


# --- writing what people type: quoting and the round trip ------------------------------------

def _accepted(multiline: bool) -> st.SearchStrategy[str]:
    """Every string the text rule accepts (what titles, names and descriptions can hold)."""
    chars = st.characters(codec="utf-8") | st.sampled_from(";\",\r\n\t\x85\u2028\u2029\x1c\u200b\u0e31 ")

    def clean(text: str) -> str | None:
        try:
            return clean_text(text, multiline=multiline) or None
        except TextProblem:
            return None

    return st.text(chars, min_size=1).map(clean).filter(lambda t: t is not None)  # type: ignore[return-value]


SLUGS = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4}){0,2}", fullmatch=True) | st.sampled_from(["none", "None"])


@st.composite
def typed_elections(draw: st.DrawFn) -> PabulibElection:
    kind = draw(st.sampled_from([BallotKind.APPROVAL, BallotKind.CUMULATIVE]))
    ids = draw(st.lists(SLUGS, min_size=1, max_size=5, unique=True))
    projects = tuple(Project(pid, draw(st.integers(0, 10**7)), draw(_accepted(False)), i) for i, pid in enumerate(ids))
    ballots = []
    for v in range(draw(st.integers(0, 5))):
        chosen = tuple(draw(st.lists(st.sampled_from(ids), unique=True)))
        points = tuple(draw(st.integers(1, 9)) for _ in chosen) if kind is BallotKind.CUMULATIVE else None
        ballots.append(Ballot(chosen, points, str(v + 1)))
    meta = {"description": draw(_accepted(False)), "comment": draw(_accepted(True)), "subunit": draw(SLUGS),
            "language": "th"}
    return PabulibElection(meta, Pot(meta["subunit"], draw(st.integers(0, 10**8)), projects),
                           Profile(kind, tuple(ballots)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_elections())
def test_every_string_the_text_rule_accepts_round_trips(election: PabulibElection) -> None:
    again = read_pabulib(write_pabulib(election))
    assert again.pot == election.pot
    assert again.profile.kind is election.profile.kind
    assert again.profile.ballots == election.profile.ballots
    assert {k: again.meta[k] for k in election.meta} == election.meta


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85", "\x1c", "\r", "\r\n", "\n", ";", '"', "\x0b"])
def test_separators_in_a_name_are_quoted_and_read_back(char: str) -> None:
    name = f"ซ่อมถนน{char}สาย 1"
    election = PabulibElection({"description": name}, Pot("main", 100, (Project("road", 50, name, 0),)),
                               Profile(BallotKind.APPROVAL, (Ballot(("road",), None, "1"),)))
    text = write_pabulib(election)
    assert f'"{name.replace(chr(34), 2 * chr(34))}"' in text
    again = read_pabulib(text)
    assert again.pot.projects[0].name == name and again.meta["description"] == name
    assert again.profile.ballots == election.profile.ballots


def test_a_project_called_none_is_not_an_empty_ballot() -> None:
    election = PabulibElection({}, Pot("main", 100, (Project("none", 50, "ไม่มีชื่อ", 0),)),
                               Profile(BallotKind.APPROVAL, (Ballot(("none",), None, "1"), Ballot((), None, "2"))))
    assert read_pabulib(write_pabulib(election)).profile.ballots == election.profile.ballots


@pytest.mark.parametrize("project_id", ["", "a,b", " a", "a\u2028b"])
def test_ids_a_vote_list_cannot_carry_are_refused(project_id: str) -> None:
    election = PabulibElection({}, Pot("main", 100, (Project(project_id, 50, "x", 0),)),
                               Profile(BallotKind.APPROVAL, ()))
    with pytest.raises(ValueError, match="cannot be written to Pabulib"):
        write_pabulib(election)
