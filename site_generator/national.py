"""The national index, split by province, refreshed one municipality at a time.

At 7,850 local governments one page listing everyone would weigh megabytes on a phone. So::

    index.html                          every province: how many local governments, processes open
    provinces/<province>/index.html     its local governments by district (อำเภอ): their open
                                        processes, the phase, its dates and the days left

Building one municipality must not read the other 7,849. Each municipality's build leaves a small
*summary* (what the index shows about it) beside the site; the province page is rendered from the
summaries of its province, the front page from one *total* per province::

    _index/summaries/<province>/<municipality>.json   MunicipalitySummary
    _index/located/<municipality>.json                its province (to notice a move between provinces)
    _index/totals/<province>.json                     ProvinceTotal

They live beside the site through a `SiteShelf`: a folder locally (`FolderShelf`), the site bucket
on AWS (`chalicelib`'s S3 shelf), so the rebuild function refreshes the index in the bucket the same
way. They hold only what the index pages show anyway.

Province page names come from pythainlp's list of the 77 provinces (`chiang-mai`, `bangkok`); a
province name not in that list keeps a readable Thai slug.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Protocol, cast

from prachakhom.content import Content, MunicipalityDoc
from prachakhom.models import PhaseDates
from prachakhom.phase import days_left
from site_generator.thai_text import slugify
from site_generator.views import ProcessView, municipality_views

INDEX = "_index"
PROVINCES = "provinces"


class SiteShelf(Protocol):
    """Files beside the published site (a folder, or the site bucket)."""

    def read(self, key: str) -> bytes | None: ...

    def write(self, key: str, data: bytes) -> None: ...

    def delete(self, key: str) -> None: ...

    def list(self, prefix: str) -> list[str]:
        """Keys under `prefix` (a folder: ends with '/')."""


class FolderShelf:
    """The folder the site is built into (locally; the demo serves it)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def read(self, key: str) -> bytes | None:
        try:
            return (self.root / key).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def write(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)

    def list(self, prefix: str) -> list[str]:
        folder = self.root / prefix
        if not folder.is_dir():
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in folder.rglob("*") if p.is_file())


@dataclass(frozen=True)
class Province:
    slug: str
    name: str


@cache
def _known_provinces() -> dict[str, Province]:
    from pythainlp.corpus import provinces

    known = {}
    for p in cast(list[dict[str, str]], provinces(details=True)):
        known[p["name_th"]] = Province(slugify(p["name_en"].lower(), "-"), p["name_th"])
    return known


def province_of(name: str) -> Province:
    """The province page for a province's Thai name (as written in municipality.yaml)."""
    name = name.strip().removeprefix("จังหวัด")
    found = _known_provinces().get(name)
    return found or Province(slugify(name, "-") or "other", name)


@dataclass(frozen=True)
class ProcessSummary:
    slug: str
    title: str
    phase: str
    """The current phase's Thai name."""
    start: date
    end: date
    finished_on: date
    """The end of the last phase: after it the process is no longer listed."""

    def open_on(self, today: date) -> bool:
        return today <= self.finished_on


@dataclass(frozen=True)
class MunicipalitySummary:
    slug: str
    name: str
    type: str
    province: str
    district: str
    demo: bool
    processes: tuple[ProcessSummary, ...] = field(default_factory=tuple)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, default=str, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> MunicipalitySummary:
        raw: dict[str, Any] = json.loads(data)
        processes = tuple(
            ProcessSummary(p["slug"], p["title"], p["phase"], date.fromisoformat(p["start"]),
                           date.fromisoformat(p["end"]), date.fromisoformat(p["finished_on"]))
            for p in raw.pop("processes"))
        return cls(**raw, processes=processes)

    @property
    def province_page(self) -> Province:
        return province_of(self.province)

    def open_processes(self, today: date) -> list[ProcessSummary]:
        return [p for p in self.processes if p.open_on(today)]


@dataclass(frozen=True)
class ProvinceTotal:
    slug: str
    name: str
    municipalities: int
    open_processes: int


def summarize(doc: MunicipalityDoc, views: list[ProcessView]) -> MunicipalitySummary:
    m = doc.municipality
    return MunicipalitySummary(
        doc.slug, m.name, m.type, m.province, m.district, m.demo,
        tuple(ProcessSummary(v.slug, v.process.title, v.current.definition.name, v.current.dates.start,
                             v.current.dates.end, v.phases[-1].dates.end) for v in views))


def summary_key(province: str, slug: str) -> str:
    return f"{INDEX}/summaries/{province}/{slug}.json"


def located_key(slug: str) -> str:
    return f"{INDEX}/located/{slug}.json"


def total_key(province: str) -> str:
    return f"{INDEX}/totals/{province}.json"


def record_summary(shelf: SiteShelf, summary: MunicipalitySummary) -> list[Province]:
    """Keep one municipality's summary; the provinces whose pages must be rendered again (its own,
    and the one it left if its province changed)."""
    province = summary.province_page
    touched = [province]
    previous = shelf.read(located_key(summary.slug))
    if previous is not None:
        old = Province(**json.loads(previous))
        if old.slug != province.slug:
            shelf.delete(summary_key(old.slug, summary.slug))
            touched.append(old)
    shelf.write(summary_key(province.slug, summary.slug), summary.to_json())
    if previous != (located := json.dumps(asdict(province), ensure_ascii=False).encode("utf-8")):
        shelf.write(located_key(summary.slug), located)
    return touched


def forget_others(shelf: SiteShelf, keep: Iterable[str]) -> list[Province]:
    """After a whole build: drop the summaries of municipalities no longer in the content."""
    keep = set(keep)
    touched = {}
    for key in shelf.list(f"{INDEX}/located/"):
        slug = key.rsplit("/", 1)[-1].removesuffix(".json")
        if slug in keep:
            continue
        data = shelf.read(key)
        if data is not None:
            old = Province(**json.loads(data))
            shelf.delete(summary_key(old.slug, slug))
            touched[old.slug] = old
        shelf.delete(key)
    return list(touched.values())


def province_summaries(shelf: SiteShelf, province: Province) -> list[MunicipalitySummary]:
    summaries = []
    for key in shelf.list(f"{INDEX}/summaries/{province.slug}/"):
        data = shelf.read(key)
        if data is not None:
            summaries.append(MunicipalitySummary.from_json(data))
    return summaries


def record_total(shelf: SiteShelf, province: Province, summaries: list[MunicipalitySummary],
                 today: date) -> ProvinceTotal:
    total = ProvinceTotal(province.slug, province.name, len(summaries),
                          sum(len(s.open_processes(today)) for s in summaries))
    if total.municipalities:
        shelf.write(total_key(province.slug), json.dumps(asdict(total), ensure_ascii=False).encode("utf-8"))
    else:
        shelf.delete(total_key(province.slug))
    return total


def province_totals(shelf: SiteShelf) -> list[ProvinceTotal]:
    totals = []
    for key in shelf.list(f"{INDEX}/totals/"):
        data = shelf.read(key)
        if data is not None:
            totals.append(ProvinceTotal(**json.loads(data)))
    return sort_thai(totals, lambda t: t.name)


def sort_thai(items: list[Any], key: Any) -> list[Any]:
    """Thai dictionary order (pythainlp's collation: leading vowels such as เ, แ, โ do not sort first)."""
    from pythainlp.util import collate

    order = {name: i for i, name in enumerate(collate(list({key(item) for item in items})))}
    return sorted(items, key=lambda item: order[key(item)])


@dataclass(frozen=True)
class DistrictEntry:
    name: str
    municipalities: list[MunicipalitySummary]


@dataclass(frozen=True)
class ProvincePage:
    province: Province
    districts: list[DistrictEntry]

    @property
    def count(self) -> int:
        return sum(len(d.municipalities) for d in self.districts)


def province_page(province: Province, summaries: list[MunicipalitySummary]) -> ProvincePage:
    districts: dict[str, list[MunicipalitySummary]] = {}
    for s in summaries:
        districts.setdefault(s.district, []).append(s)
    return ProvincePage(province, [
        DistrictEntry(name, sort_thai(districts[name], lambda s: s.name))
        for name in sort_thai(list(districts), lambda n: n)])


def process_days_left(process: ProcessSummary, today: date) -> int:
    return days_left(PhaseDates(key="current", start=process.start, end=process.end), today)


@dataclass
class NationalIndex:
    """What one build of the national pages renders: the front page and some province pages."""

    totals: list[ProvinceTotal]
    pages: list[ProvincePage]
    complete: bool = False
    """Every province's page is in `pages` (a whole build): the national search index is written from
    them. An incremental refresh renders a few provinces and leaves the search index as it is."""

    def summaries(self) -> list[MunicipalitySummary]:
        return [m for page in self.pages for d in page.districts for m in d.municipalities]


def index_of(content: Content, today: date, data_dir: Path | None) -> NationalIndex:
    """The whole national index from loaded content, without a shelf (every province page)."""
    summaries = [summarize(doc, municipality_views(doc, today, data_dir, with_results=False))
                 for doc in content.municipalities.values()]  # the index shows no results: none counted
    by_province: dict[str, tuple[Province, list[MunicipalitySummary]]] = {}
    for s in summaries:
        by_province.setdefault(s.province_page.slug, (s.province_page, []))[1].append(s)
    totals = sort_thai([ProvinceTotal(p.slug, p.name, len(ms), sum(len(m.open_processes(today)) for m in ms))
                        for p, ms in by_province.values()], lambda t: t.name)
    return NationalIndex(totals, [province_page(p, ms) for p, ms in by_province.values()], complete=True)
