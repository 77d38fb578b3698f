"""An idea consultation publishes its summary in its last phase: every idea ranked by supports,
the municipality's answer to each, the counts; Thai, escaped, readable on a phone."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from prachakhom.snapshot import ProcessSnapshot, save_snapshot
from site_generator.build import build_all
from tests.browser_helpers import (
    axe_violations,
    other_hosts,
    phone_page,
    screenshot,
    small_targets,
    small_text,
)
from tests.conftest import TODAY, ContentFactory, proposal_data, write_doc, write_yaml

PROCESS = "waste-ideas"
HOSTILE = '<script>alert("x")</script> & ถังขยะ'
IDEAS = {  # slug: (title, status, answer (True: taken up, False: not, None: no answer), supports, comments)
    "compost": ("ปุ๋ยหมักจากใบไม้แทนการเผา", "feasible", True, 12, 1),
    "market-bags": ("ตลาดนัดวันพุธไม่ใช้ถุงพลาสติก", "infeasible", False, 5, 4),
    "hostile": (HOSTILE, "published", None, 5, 0),
    "night-pickup": ("เก็บขยะตอนกลางคืน", "published", None, 0, 0),
    "gone": ("แนวคิดที่ถอนแล้ว", "withdrawn", None, 9, 0),
}
ANSWERS = {True: "ใช้ได้ เทศบาลจะจัดอบรมทำปุ๋ยหมักทุกหมู่บ้าน", False: "ตลาดเป็นของเอกชน\nเทศบาลจะประสานงานต่อ"}


def consultation(factory: ContentFactory, phase: str) -> Path:
    """The content factory's municipality with an idea consultation in `phase`, and the snapshot the
    API would have exported (supports and comments per idea); returns the data folder."""
    pdir = factory.municipality_dir / "processes" / PROCESS
    write_yaml(pdir / "process.yaml", {
        "title": "ร่วมคิดเรื่องขยะ ปี 2570", "template": "idea-consultation", "template_version": 1,
        "summary": "เทศบาลอยากฟังแนวคิดเรื่องขยะ", "fiscal_year": 2570, "current_phase": phase,
        "phases": [{"key": "preparation", "start": date(2026, 9, 1), "end": date(2026, 9, 7)},
                   {"key": "ideas", "start": date(2026, 9, 8), "end": date(2026, 10, 7)},
                   {"key": "review", "start": date(2026, 10, 8), "end": date(2026, 10, 28)},
                   {"key": "response", "start": date(2026, 10, 29), "end": date(2026, 12, 31)}]})
    for i, (slug, (title, status, answer, _, _)) in enumerate(IDEAS.items()):
        data = proposal_data(title=title, status=status, category="organic", cost=None,
                             submitted_on=date(2026, 9, 10 + i), feasibility=None)
        if answer is not None:
            data["feasibility"] = {"feasible": answer, "answer": ANSWERS[answer], "reviewed_on": date(2026, 10, 20)}
        write_doc(pdir / "proposals" / f"{slug}.md", data, f"รายละเอียดของ {title}")
    data_dir = factory.root.parent / "data"
    save_snapshot(data_dir, ProcessSnapshot(
        municipality="thot-sop", process=PROCESS, current_phase=phase, exported_at=datetime(2026, 11, 1),
        support_counts={slug: spec[3] for slug, spec in IDEAS.items()},
        comment_counts={slug: spec[4] for slug, spec in IDEAS.items()}))
    return data_dir


def built_summary(factory: ContentFactory, phase: str) -> Path:
    data_dir = consultation(factory, phase)
    out = factory.root.parent / "site"
    build_all(factory.root, out, only="thot-sop", data_dir=data_dir, today=TODAY, progress=False, strict=True)
    return out / "thot-sop" / PROCESS / "results" / "index.html"


@pytest.fixture(scope="module")
def summary_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_summary(ContentFactory(tmp_path_factory.mktemp("consultation")), "response")


def test_the_last_phase_publishes_ideas_ranked_by_supports_with_answers(summary_page: Path) -> None:
    html = summary_page.read_text(encoding="utf-8")
    assert "สรุปผลการรับฟังความคิดเห็น" in html and "ยังไม่มีสรุปผล" not in html
    assert re.search(r"<title>สรุปผลการรับฟังความคิดเห็น — ร่วมคิดเรื่องขยะ ปี 2570", html)
    ranking = html[html.index('<ol class="pk-ranking">'):]
    ranking = ranking[:ranking.index("</ol>")]
    slugs = re.findall(r'<h3><a href="\.\./proposals/([^/]+)/">', ranking)
    # 12 supports; then 5 and 5 (more comments first, same rank); then 0; the withdrawn idea is left out
    assert slugs == ["compost", "market-bags", "hostile", "night-pickup"]
    assert re.findall(r"อันดับที่ (\d+)", ranking) == ["1", "2", "2", "4"]
    assert re.findall(r"ผู้สนับสนุน (\d+) คน", ranking) == ["12", "5", "5", "0"]
    for label in ("ท้องถิ่นรับไปดำเนินการ", "ท้องถิ่นยังไม่รับไปดำเนินการ", "ยังไม่มีคำตอบจากท้องถิ่น"):
        assert label in ranking
    assert ANSWERS[True] in ranking and ANSWERS[False] in ranking
    stats = html[html.index('<ul class="pk-stats">'):]
    stats = stats[:stats.index("</ul>")]
    assert [int(n) for n in re.findall(r"<strong>([\d,]+)</strong>", stats)] == [4, 22, 5, 2]
    assert "ผู้เสนอถอนแนวคิด 1 แนวคิด" in html


def test_idea_titles_are_escaped(summary_page: Path) -> None:
    html = summary_page.read_text(encoding="utf-8")
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; ถังขยะ" in html


def test_no_summary_before_the_last_phase(tmp_path: Path) -> None:
    html = built_summary(ContentFactory(tmp_path), "review").read_text(encoding="utf-8")
    assert "ยังไม่มีสรุปผล" in html and "pk-ranking" not in html


@pytest.mark.browser
def test_the_summary_reads_well_on_a_phone(browser, summary_page: Path) -> None:  # type: ignore[no-untyped-def]
    from site_generator.serve import start_static_server

    site = summary_page.parents[3]
    server = start_static_server(site, "127.0.0.1", 0)
    try:
        with phone_page(browser) as page:
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/thot-sop/{PROCESS}/results/")
            page.wait_for_load_state("networkidle")
            screenshot(page, "page-consultation-summary")
            assert axe_violations(page) == []
            assert small_text(page) == []
            assert small_targets(page) == []
            assert other_hosts(page) == set()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        server.shutdown()
