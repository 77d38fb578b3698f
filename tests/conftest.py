"""Shared fixtures: the repository's paths, a small valid content folder to mutate, built sites."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
TODAY = date(2026, 11, 23)


def write_yaml(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_doc(path: Path, meta: dict[str, Any], body: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    path.write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")
    return path


def municipality_data() -> dict[str, Any]:
    return {
        "name": "เทศบาลตำบลทดสอบ",
        "type": "เทศบาลตำบล",
        "dla_code": "5123456",
        "province": "ลำปาง",
        "district": "เมืองลำปาง",
        "villages": [{"number": 1, "name": "บ้านเหนือ"}, {"number": 2, "name": "บ้านใต้"}],
    }


def process_data() -> dict[str, Any]:
    return {
        "title": "งบประมาณแบบมีส่วนร่วม ปี 2570",
        "template": "pb-tambon",
        "template_version": 1,
        "summary": "ชาวตำบลทดสอบเลือกโครงการเอง",
        "fiscal_year": 2570,
        "current_phase": "voting",
        "phases": [
            {"key": "preparation", "start": date(2026, 10, 1), "end": date(2026, 10, 14)},
            {"key": "proposals", "start": date(2026, 10, 15), "end": date(2026, 10, 31)},
            {"key": "review", "start": date(2026, 11, 1), "end": date(2026, 11, 15)},
            {"key": "voting", "start": date(2026, 11, 16), "end": date(2026, 11, 30)},
            {"key": "results", "start": date(2026, 12, 1), "end": date(2026, 12, 31)},
            {"key": "implementation", "start": date(2027, 1, 1), "end": date(2027, 9, 30)},
        ],
        "budget": {"total": 500000, "villages": {1: 150000, 2: 150000}, "municipality_wide": 200000},
    }


def proposal_data(**changes: Any) -> dict[str, Any]:
    data = {
        "title": "ซ่อมถนนลูกรังสายบ้านเหนือ",
        "summary": "ถนนเป็นหลุมเป็นบ่อในฤดูฝน",
        "category": "roads",
        "village": 1,
        "cost": 120000,
        "author": "นายสมชาย ใจดี",
        "submitted_on": date(2026, 10, 20),
        "status": "feasible",
        "feasibility": {"feasible": True, "answer": "ทำได้ อยู่ในอำนาจหน้าที่ของเทศบาล"},
    }
    data.update(changes)
    return data


class ContentFactory:
    """A small valid content folder (real national templates + one municipality) to mutate."""

    def __init__(self, root: Path) -> None:
        self.root = root / "content"
        shutil.copytree(CONTENT / "templates", self.root / "templates")
        self.municipality_dir = self.root / "municipalities" / "thot-sop"
        self.process_dir = self.municipality_dir / "processes" / "pb-2570"
        write_yaml(self.municipality_dir / "municipality.yaml", municipality_data())
        write_yaml(self.process_dir / "process.yaml", process_data())
        write_doc(self.process_dir / "proposals" / "road-north.md", proposal_data(), "ถนนเสียหายมาก")

    def update_yaml(self, path: Path, change: Callable[[dict[str, Any]], None]) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        write_yaml(path, data)


@pytest.fixture
def content_factory(tmp_path: Path) -> ContentFactory:
    return ContentFactory(tmp_path)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo content, built once for the whole session."""
    from site_generator.build import build_all

    out = tmp_path_factory.mktemp("demo") / "site"
    build_all(CONTENT, out, today=TODAY, progress=False, strict=True)
    return out


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Debian's chromium driven by Playwright (installed by `make test`)."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make system-deps` (make test does it)"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def demo_server(demo_site: Path):  # type: ignore[no-untyped-def]
    """The built demo sites served on a free loopback port; yields the base URL."""
    from site_generator.serve import start_static_server

    server = start_static_server(demo_site, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
