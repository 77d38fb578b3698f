"""Helpers for the resident-journey and accessibility tests (real chromium, phone viewport).

- `journey_content(root)`: a small content folder with one municipality and four processes: an
  approval, a budget (min share 50%) and a points ballot in the voting phase, and one process open
  for proposals; proposals in both village pots and the municipality-wide pot.
- `running_stack(content, state)`: `prachakhom.commands.demo.run` (moto + chalice local + the sites, built
  with the API URL) in a thread on free loopback ports; stopped when the block ends.
- `phone_page(browser)`: a phone-sized tab that records every request (to prove nothing comes from
  another host); `axe_violations`, `small_text`, `small_targets`, `thai_font_loaded`, `screenshot`.
"""

from __future__ import annotations

import io
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import PHONE, REPO, ContentFactory, proposal_data, write_doc

AXE = REPO / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts"
MUNI = "thot-sop"
BALLOTS = {
    "pb-2570": None,  # the template's approval ballot: 1 to 3 projects per pot
    "pb-budget": {"kind": "budget", "min_share_percent": 50},
    "pb-points": {"kind": "points", "total_points": 10, "max_points_per_project": 5},
}
PROPOSE = "pb-propose"
PROJECTS = {  # slug: (title, village or None, cost)
    "road-north": ("ซ่อมถนนลูกรังสายบ้านเหนือ", 1, 120000),
    "lights-soi-3": ("ติดไฟส่องสว่างซอย 3", 1, 40000),
    "bins": ("ถังขยะแยกประเภทหน้าวัด", 1, 20000),
    "exercise-yard": ("ลานออกกำลังกายผู้สูงอายุ", 1, 90000),
    "well-south": ("ขุดบ่อบาดาลบ้านใต้", 2, 60000),
    "ambulance": ("รถกู้ชีพประจำตำบล", None, 150000),
    "library": ("ห้องสมุดชุมชน", None, 80000),
    "cctv": ("กล้องวงจรปิดทางแยก", None, 60000),
}
CATEGORIES = {"road-north": "roads", "lights-soi-3": "lighting", "bins": "environment",
              "exercise-yard": "health", "well-south": "water", "ambulance": "health",
              "library": "education", "cctv": "safety"}


def journey_content(root: Path) -> Path:
    factory = ContentFactory(root)
    base = factory.process_dir
    for slug, (title, village, cost) in PROJECTS.items():
        write_doc(base / "proposals" / f"{slug}.md",
                  proposal_data(title=title, village=village, cost=cost, category=CATEGORIES[slug]),
                  f"รายละเอียดของ{title}")
    for process, ballot in BALLOTS.items():
        if process != base.name:
            shutil.copytree(base, base.parent / process)
        if ballot:
            # points ballots are counted by MES with the points as utility (prachakhom.counting)
            tally = {"tally": {"utility": "points"}} if ballot["kind"] == "points" else {}
            factory.update_yaml(base.parent / process / "process.yaml",
                                lambda d, b=ballot, t=tally: d.update(overrides={"ballot": b, **t}))
    shutil.copytree(base, base.parent / PROPOSE)
    factory.update_yaml(base.parent / PROPOSE / "process.yaml",
                        lambda d: d.update(current_phase="proposals", title="ประชาคมออนไลน์ เสนอโครงการ ปี 2570"))
    return factory.root


def national_id(seed: int) -> str:
    """A valid 13-digit Thai ID (checksum digit), different for each seed."""
    digits = [int(c) for c in f"1{seed:011d}"]
    check = (11 - sum(d * (13 - i) for i, d in enumerate(digits)) % 11) % 10
    return "".join(map(str, digits)) + str(check)


@dataclass
class Stack:
    site: str
    api: str
    config: Any

    def url(self, path: str) -> str:
        return self.site + path.lstrip("/")

    def scan(self) -> list[dict[str, Any]]:
        from prachakhom.commands.demo import TABLE, dynamodb

        client, items, kwargs = dynamodb(self.config), [], {"TableName": TABLE}
        while True:
            page = client.scan(**kwargs)
            items += [_as_text(i) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _as_text(item: dict[str, Any]) -> dict[str, Any]:
    """Binary attributes (content files' bytes) as text, so what a test looks for is found in them too."""
    return {k: {"B": v["B"].decode("utf-8", "replace")} if "B" in v else v for k, v in item.items()}


class _Out(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()

    def write(self, s: str) -> int:
        if "Press Ctrl-C" in s:
            self.started.set()
        return super().write(s)


@contextmanager
def running_stack(content: Path, state: Path) -> Iterator[Stack]:
    from prachakhom.commands.demo import StackConfig, run
    from tests.api_fixtures import free_port

    config = StackConfig(state, content, "127.0.0.1", free_port(), free_port(), free_port())
    stop, out, failure = threading.Event(), _Out(), []

    def target() -> None:
        try:
            run(config, stop, out)
        except BaseException as err:  # reported by the test below, not swallowed
            failure.append(err)
            out.started.set()

    thread = threading.Thread(target=target, name="demo-stack", daemon=True)
    thread.start()
    out.started.wait(120)
    if failure:
        raise failure[0]
    assert out.started.is_set(), "the demo stack did not start within 120 s:\n" + out.getvalue()
    try:
        yield Stack(config.site_url, config.api_url, config)
    finally:
        stop.set()
        thread.join(60)


@contextmanager
def phone_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(**PHONE, locale="th-TH")
    page = context.new_page()
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.taps = 0
    try:
        yield page
    finally:
        context.close()


def tap(page: Any, selector: str | Any) -> None:
    """Click as a resident taps, and count it (the journey's tap budget is 6)."""
    target = page.locator(selector) if isinstance(selector, str) else selector
    target.first.click()
    page.taps += 1


def type_thai(locator: Any, text: str) -> None:
    """`fill()` with Thai text fires no keyup: press a key afterwards, as a phone keyboard would."""
    locator.fill(text)
    locator.press("End")


def other_hosts(page: Any) -> set[str]:
    return {urlparse(u).hostname or "" for u in page.requests if u.startswith("http")} - {"127.0.0.1"}


def require_axe() -> Path:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `npm ci --prefix tests/js` (make test does it)")
    return AXE


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now."""
    page.add_script_tag(path=str(require_axe()))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


SMALL_TEXT_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el) continue;
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (!r.width || !r.height || s.visibility === 'hidden' || el.closest('[hidden],[aria-hidden=true],.md-sidebar,.md-search,script,style,noscript')) continue;
    if (el.closest('[data-md-component=search], .md-nav')) continue;
    if (parseFloat(s.opacity) === 0 || el.closest('.headerlink')) continue;
    if (parseFloat(s.fontSize) < 16) out.push({text: node.textContent.trim().slice(0, 40), size: s.fontSize, tag: el.tagName, cls: el.className});
  }
  return out;
}"""

SMALL_TARGETS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, label[for]')) {
    // a label for a text field is not a target of its own: the field is
    if (el.matches('label[for]') && !document.querySelector(`#${CSS.escape(el.htmlFor)}:is([type=checkbox],[type=radio])`)) continue;
    let box = el;
    if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) box = el.closest('label');
    if (el.closest('[hidden], .md-sidebar, .md-search, [data-md-component=search], .md-nav, .md-skip')) continue;
    if (el.matches('input[type=checkbox], input[type=radio], input.md-toggle, input.md-search__input')) { if (box === el) continue; }
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none' || parseFloat(s.opacity) === 0) continue;
    if (el.matches('.headerlink, .md-top')) continue;
    const r = box.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    // links inside a sentence are exempt (WCAG 2.5.5 "inline")
    const parent = el.parentElement;
    if (el.tagName === 'A' && parent && parent.matches('p, li, dd, td, span') && parent.textContent.trim().length > el.textContent.trim().length + 2 && r.height < 44 && !el.matches('.pk-more, .pk-share a')) continue;
    if (r.height < 44 || r.width < 44) out.push({el: el.outerHTML.slice(0, 90), w: Math.round(r.width), h: Math.round(r.height)});
  }
  return out;
}"""


def small_text(page: Any) -> list[dict[str, Any]]:
    return page.evaluate(SMALL_TEXT_JS)


def small_targets(page: Any) -> list[dict[str, Any]]:
    return page.evaluate(SMALL_TARGETS_JS)


def thai_font_loaded(page: Any) -> bool:
    """True once the self-hosted Sarabun face has loaded and renders Thai (not empty boxes)."""
    return bool(page.evaluate("""async () => {
      await document.fonts.ready;
      const faces = [...document.fonts].filter(f => f.family.replace(/"/g, '') === 'Sarabun' && f.status === 'loaded');
      return faces.length > 0 && document.fonts.check('16px Sarabun', 'ประชาคม');
    }"""))


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def birth_date_be(years_ago: int = 65) -> str:
    born = date(date.today().year - years_ago, 4, 15)
    return f"15/4/{born.year + 543}"


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)
