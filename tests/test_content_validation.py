"""`prachakhom validate`: every content mistake is reported as `file: field: message`, all at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from prachakhom.commands.cli import main
from prachakhom.content import load_content
from prachakhom.errors import ContentError
from tests.conftest import CONTENT, ContentFactory, proposal_data, write_doc, write_yaml

Mutation = Callable[[ContentFactory], None]


def _process(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return lambda f: f.update_yaml(f.process_dir / "process.yaml", change)


def _municipality(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return lambda f: f.update_yaml(f.municipality_dir / "municipality.yaml", change)


def _proposal(name: str = "road-north.md", **changes: Any) -> Mutation:
    return lambda f: write_doc(f.process_dir / "proposals" / name, proposal_data(**changes), "ข้อความ")


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = key.split(".")
        for p in parents:
            data = data[int(p) if p.isdigit() else p]
        data[int(last) if last.isdigit() else last] = value

    return change


def _duplicate_slug(f: ContentFactory) -> None:
    write_doc(f.process_dir / "proposals" / "another.md", proposal_data(slug="road-north"), "ซ้ำ")


def _second_municipality_same_code(f: ContentFactory) -> None:
    other = f.root / "municipalities" / "other-town"
    write_yaml(other / "municipality.yaml", {**_load(f.municipality_dir / "municipality.yaml"), "name": "อบต.อื่น"})


def _load(path: Path) -> dict[str, Any]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


# (case id, mutation, file suffix, field, words the message must contain)
CASES: list[tuple[str, Mutation, str, str, str]] = [
    ("unknown template", _process(_set("template", "pb-moon")), "process.yaml", "template", "unknown template 'pb-moon'"),
    ("unknown version", _process(_set("template_version", 7)), "process.yaml", "template_version", "no version 7"),
    (
        "phase overlap",
        _process(_set("phases.1.start", date(2026, 10, 10))),
        "process.yaml",
        "phases.1.start",
        "overlapping",
    ),
    ("phase gap", _process(_set("phases.2.start", date(2026, 11, 5))), "process.yaml", "phases.2.start", "gap"),
    (
        "phase ends before start",
        _process(_set("phases.0.end", date(2026, 9, 1))),
        "process.yaml",
        "phases.0",
        "ends",
    ),
    (
        "village budgets exceed total",
        _process(_set("budget.villages.1", 400000)),
        "process.yaml",
        "budget",
        "more than the total 500,000",
    ),
    ("negative money", _process(_set("budget.total", -5)), "process.yaml", "budget.total", "negative"),
    ("fractional money", _process(_set("budget.total", 500000.5)), "process.yaml", "budget.total", "integer"),
    ("money as text", _process(_set("budget.total", "500,000")), "process.yaml", "budget.total", "integer"),
    ("proposal money negative", _proposal(cost=-100), "road-north.md", "cost", "negative"),
    ("category not in template", _proposal(category="space-travel"), "road-north.md", "category", "space-travel"),
    ("duplicate slug", _duplicate_slug, ".md", "slug", "duplicate slug 'road-north'"),
    ("DLA code six digits", _municipality(_set("dla_code", "512345")), "municipality.yaml", "dla_code", "7 digits"),
    ("DLA code letters", _municipality(_set("dla_code", "51234A6")), "municipality.yaml", "dla_code", "7 digits"),
    ("DLA code shared", _second_municipality_same_code, "municipality.yaml", "dla_code", "also used by"),
    ("proposal in unknown village", _proposal(village=9), "road-north.md", "village", "village 9 does not exist"),
    (
        "budget for unknown village",
        _process(_set("budget.villages.9", 1000)),
        "process.yaml",
        "budget.villages.9",
        "does not exist",
    ),
    ("unknown field", _proposal(colour="red"), "road-north.md", "colour", "unknown field"),
    ("current phase unknown", _process(_set("current_phase", "party")), "process.yaml", "current_phase", "party"),
    (
        "override breaks the rule",
        _process(_set("overrides", {"ballot": {"min_projects": 5, "max_projects": 2}})),
        "process.yaml",
        "overrides.ballot",
        "min_projects (5) is larger",
    ),
    (
        "feasible proposal without cost",
        _proposal(cost=None),
        "road-north.md",
        "cost",
        "needs a cost",
    ),
    ("money beyond any budget", _proposal(cost=10**23), "road-north.md", "cost", "100,000,000,000"),
    (
        "summary that goes stale",
        _process(_set("summary", "ชาวตำบลเสนอโครงการ 48 เรื่อง ตอนนี้เปิดลงคะแนนถึงวันที่ 30 พฤศจิกายน 2569")),
        "process.yaml",
        "summary",
        "keep this text timeless",
    ),
]


@pytest.mark.parametrize(("mutate", "suffix", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_problem_is_reported_with_file_field_and_message(
    content_factory: ContentFactory, mutate: Mutation, suffix: str, field: str, words: str
) -> None:
    mutate(content_factory)
    with pytest.raises(ContentError) as caught:
        load_content(content_factory.root)
    matching = [p for p in caught.value.problems if p.file.endswith(suffix) and p.field.startswith(field)]
    assert matching, f"no problem for {suffix} {field}; got: {caught.value.report()}"
    assert any(words in p.message for p in matching), caught.value.report()


def test_valid_fixture_loads(content_factory: ContentFactory) -> None:
    content = load_content(content_factory.root)
    process = content.municipalities["thot-sop"].processes["pb-2570"]
    assert process.rules.ballot.kind == "approval"
    assert list(process.proposals) == ["road-north"]


def test_every_problem_is_reported_in_one_run(content_factory: ContentFactory, capsys: pytest.CaptureFixture[str]) -> None:
    for mutate in (CASES[0][1], CASES[12][1], CASES[9][1]):  # template, DLA code, proposal cost: three files
        mutate(content_factory)
    code = main(["validate", "--content", str(content_factory.root)])
    err = capsys.readouterr().err
    assert code == 1
    lines = [line for line in err.splitlines() if ": " in line and not line.endswith("again.")]
    assert len(lines) == 3, err
    assert "content/municipalities/thot-sop/processes/pb-2570/process.yaml: template: unknown template" in err
    assert "content/municipalities/thot-sop/municipality.yaml: dla_code:" in err
    assert "proposals/road-north.md: cost: " in err


def test_overrides_change_the_rules_in_force(content_factory: ContentFactory) -> None:
    _process(_set("overrides", {"ballot": {"max_projects": 5}, "eligibility": {"minimum_age": 18}}))(content_factory)
    rules = load_content(content_factory.root).municipalities["thot-sop"].processes["pb-2570"].rules
    assert (rules.ballot.max_projects, rules.ballot.min_projects) == (5, 1)  # type: ignore[union-attr]
    assert rules.eligibility.minimum_age == 18


def test_yaml_syntax_error_names_the_line(content_factory: ContentFactory) -> None:
    path = content_factory.municipality_dir / "municipality.yaml"
    path.write_text("name: [unclosed\ntype: อบต.\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(content_factory.root)
    assert any(p.field.startswith("line") and "not valid YAML" in p.message for p in caught.value.problems)


def test_generator_refuses_invalid_content_with_the_same_report(
    content_factory: ContentFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    CASES[12][1](content_factory)
    code = main(["build", "--content", str(content_factory.root), "--output", str(tmp_path / "out")])
    assert code == 1
    assert "municipality.yaml: dla_code: DLA code must be exactly 7 digits" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_shipped_content_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--content", str(CONTENT)]) == 0
    assert capsys.readouterr().out.startswith("ok:")
