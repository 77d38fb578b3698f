"""What the process page says about the phase when staff move a process on before (or after) the
planned day: the dates the phase really has, never the planned ones of a phase that began early."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from prachakhom.models import PhaseDates, Process
from prachakhom.phase import phases_as_run
from prachakhom.snapshot import ProcessSnapshot, save_snapshot
from prachakhom.thai import thai_date
from site_generator.build import build_all
from tests.conftest import ContentFactory, process_data

MOVED_AT = datetime(2026, 10, 24, 20, 30, tzinfo=UTC)  # 25 October, 03:30 in Thailand
TODAY = date(2026, 10, 25)  # the calendar still says "proposals" (15–31 October)


def _process(**changes: object) -> Process:
    return Process.model_validate({**process_data(), "current_phase": None, **changes})


def _dates(schedule: list[PhaseDates]) -> dict[str, tuple[date, date]]:
    return {p.key: (p.start, p.end) for p in schedule}


def test_a_phase_moved_on_early_begins_the_day_staff_moved_it_in_thailand() -> None:
    schedule = _dates(phases_as_run(_process(), "review", TODAY, MOVED_AT))
    assert schedule["review"] == (date(2026, 10, 25), date(2026, 11, 15))
    assert schedule["proposals"] == (date(2026, 10, 15), date(2026, 10, 24))
    assert schedule["voting"] == (date(2026, 11, 16), date(2026, 11, 30))  # later phases keep their plan


def test_a_phase_set_early_in_the_content_without_a_date_begins_today_at_the_latest() -> None:
    schedule = _dates(phases_as_run(_process(current_phase="review"), None, TODAY))
    assert schedule["review"][0] == TODAY


def test_the_plan_is_the_schedule_when_nothing_moved() -> None:
    process = _process()
    assert phases_as_run(process, None, TODAY) == process.phases
    held = _process(current_phase="voting")  # held in voting after its planned end: dates as planned
    assert phases_as_run(held, None, date(2026, 12, 5)) == held.phases


@pytest.fixture(scope="module")
def moved_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("moved")
    factory = ContentFactory(root)
    factory.update_yaml(factory.process_dir / "process.yaml", lambda d: d.update(current_phase=None))
    data = root / "data"
    save_snapshot(data, ProcessSnapshot(municipality="thot-sop", process="pb-2570", current_phase="review",
                                        phase_changed_at=MOVED_AT, exported_at=MOVED_AT + timedelta(seconds=5)))
    build_all(factory.root, root / "site", data_dir=data, today=TODAY, progress=False)
    return root / "site" / "thot-sop"


def test_the_process_page_shows_the_real_dates_of_a_phase_moved_on_early(moved_site: Path) -> None:
    html = (moved_site / "pb-2570" / "index.html").read_text(encoding="utf-8")
    now = html[html.index('class="pk-now"'):]
    now = now[: now.index("</p>")]
    assert "คัดกรองความเป็นไปได้" in now
    assert "25 ตุลาคม 2569 – 15 พฤศจิกายน 2569" in now and thai_date(date(2026, 11, 1)) not in now
    assert "เหลืออีก 22 วัน" in now
    assert "15 ตุลาคม 2569 – 24 ตุลาคม 2569" in html  # the proposals phase, cut short
    home = (moved_site / "index.html").read_text(encoding="utf-8")
    assert "25 ตุลาคม 2569 – 15 พฤศจิกายน 2569" in home and thai_date(date(2026, 11, 1)) not in home
