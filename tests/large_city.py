"""A large municipality for weight tests and benchmarks: a เทศบาลนคร with 40 communities and 2,000
proposals on the ballot (four in five in a community's pot, the rest city-wide), in the voting phase.

The proposals reuse the demo's real Thai titles, summaries and texts (numbered so that each is
distinct), so page and index sizes compress like real text rather than like one repeated sentence.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from prachakhom.content import load_content

REPO = Path(__file__).resolve().parent.parent
MUNI, PROCESS = "nakhon-bench", "pb-2570"
COMMUNITIES = 40
TODAY = date(2026, 11, 23)
PAGES = {  # every page type of the large municipality, for weight tests and the benchmark
    "national index": "",
    "municipality home": f"{MUNI}/",
    "process": f"{MUNI}/{PROCESS}/",
    "proposals, page 1": f"{MUNI}/{PROCESS}/proposals/",
    "proposals, page 20": f"{MUNI}/{PROCESS}/proposals/page_20/",
    "proposal": f"{MUNI}/{PROCESS}/proposals/p01234/",
    "ballot": f"{MUNI}/{PROCESS}/vote/",
    "ballot, link with ?village=3": f"{MUNI}/{PROCESS}/vote/?village=3",
    "receipt check": f"{MUNI}/{PROCESS}/receipt/",
    "results (vote open)": f"{MUNI}/{PROCESS}/results/",
    "not found": f"{MUNI}/no-such-page/",
}


def _demo_proposals() -> list[tuple[dict[str, Any], str]]:
    content = load_content(REPO / "content")
    out = []
    for mdoc in content.municipalities.values():
        for pdoc in mdoc.processes.values():
            if pdoc.rules.kind != "budgeting":
                continue
            for d in pdoc.proposals.values():
                out.append(({"title": d.proposal.title, "summary": d.proposal.summary,
                             "category": d.proposal.category, "author": d.proposal.author}, d.body))
    return sorted(out, key=lambda pair: str(pair[0]["title"]))


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def large_city_content(root: Path, proposals: int = 2000) -> Path:
    content = root / "content"
    shutil.copytree(REPO / "content" / "templates", content / "templates")
    mdir = content / "municipalities" / MUNI
    _dump(mdir / "municipality.yaml", {
        "name": "เทศบาลนครทดสอบ", "type": "เทศบาลนคร", "dla_code": "3999999", "province": "ขอนแก่น",
        "district": "เมืองขอนแก่น", "demo": True,
        "villages": [{"number": n, "name": f"ชุมชนทดสอบที่ {n}"} for n in range(1, COMMUNITIES + 1)],
    })
    pdir = mdir / "processes" / PROCESS
    phases = [("preparation", date(2026, 9, 1), date(2026, 9, 14)),
              ("proposals", date(2026, 9, 15), date(2026, 10, 14)),
              ("review", date(2026, 10, 15), date(2026, 11, 15)),
              ("voting", date(2026, 11, 16), date(2026, 11, 30)),
              ("results", date(2026, 12, 1), date(2026, 12, 30)),
              ("implementation", date(2026, 12, 31), date(2027, 9, 30))]
    _dump(pdir / "process.yaml", {
        "title": "งบประมาณแบบมีส่วนร่วม เทศบาลนครทดสอบ ปี 2570", "template": "pb-tambon", "template_version": 1,
        "summary": "ชาวเมืองเสนอโครงการ 2,000 เรื่องจาก 40 ชุมชน", "fiscal_year": 2570,
        "current_phase": "voting",
        "phases": [{"key": k, "start": s, "end": e} for k, s, e in phases],
        "budget": {"total": 60_000_000, "villages": {n: 1_000_000 for n in range(1, COMMUNITIES + 1)},
                   "municipality_wide": 20_000_000},
    })
    pool = _demo_proposals()
    folder = pdir / "proposals"
    folder.mkdir(parents=True)
    in_communities = 0
    for i in range(proposals):
        meta, body = pool[i % len(pool)]
        community = None if i % 5 == 4 else 1 + in_communities % COMMUNITIES  # 40 in each community
        in_communities += community is not None
        data = {**meta, "title": f"{meta['title']} (เรื่องที่ {i + 1})", "village": community,
                "cost": 20_000 + 1_000 * (i % 300), "submitted_on": date(2026, 10, 1 + i % 14),
                "source": "online", "status": "feasible",
                "feasibility": {"feasible": True, "answer": "ทำได้ อยู่ในอำนาจหน้าที่ของเทศบาล"}}
        if community is None:
            del data["village"]
        front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (folder / f"p{i:05d}.md").write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")
    return content


def build_large_city(root: Path, proposals: int = 2000) -> Path:
    """Build the large municipality's site (and the national index); returns the site root."""
    from site_generator.build import build_all

    out = root / "site"
    build_all(large_city_content(root, proposals), out, today=TODAY, progress=False)
    return out
