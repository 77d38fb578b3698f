"""The store-backed catalog: one municipality loaded on first use, cached, reloaded when its version
changes, never an invalid version served."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from prachakhom.catalog import StoreCatalog
from prachakhom.store import FolderStore, StoreUnavailable
from tests.conftest import CONTENT


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Recording:
    """A store that records what it is asked (and can be made unavailable)."""

    def __init__(self, store: Any) -> None:
        self.store, self.calls, self.down = store, [], False
        self.label, self.identity = store.label, store.identity

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.store, name)

        def call(*args: Any) -> Any:
            if self.down:
                raise StoreUnavailable("throttled")
            self.calls.append((name, *args))
            return method(*args)

        return call


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def make(content: Path, **kw: Any) -> tuple[StoreCatalog, Recording, Clock]:
    store, clock = Recording(FolderStore(content)), Clock()
    return StoreCatalog(store, refresh_seconds=5.0, monotonic=clock, **kw), store, clock


def test_first_use_reads_only_that_municipality_and_the_templates(content: Path) -> None:
    catalog, store, _ = make(content)
    doc = catalog.municipality("non-kha-hom")
    assert doc is not None and "pb-2570" in doc.processes
    read = sorted(args[0] for name, *args in store.calls if name in ("read_all", "list_files", "read"))
    assert read == ["municipalities/non-kha-hom", "templates"]


def test_cached_until_the_refresh_then_one_version_read(content: Path) -> None:
    catalog, store, clock = make(content)
    first = catalog.municipality("tha-lamphu")
    store.calls.clear()
    assert catalog.municipality("tha-lamphu") is first and store.calls == []
    clock.now += 6
    assert catalog.municipality("tha-lamphu") is first
    assert [c[0] for c in store.calls] == ["version", "version"]  # the municipality's and the templates'
    assert catalog.loads == 1


def test_a_change_in_the_store_is_served_after_the_refresh(content: Path) -> None:
    catalog, store, clock = make(content)
    before = catalog.municipality("huai-dok-ueang")
    assert before is not None
    source = content / "municipalities/huai-dok-ueang/processes/waste-ideas-2570"
    new = store.store.local_path("municipalities/huai-dok-ueang/processes/waste-ideas-2571/process.yaml")
    new.parent.mkdir(parents=True)
    shutil.copy(source / "process.yaml", new)
    assert catalog.municipality("huai-dok-ueang") is before  # within the refresh time
    clock.now += 5
    after = catalog.municipality("huai-dok-ueang")
    assert after is not None and "waste-ideas-2571" in after.processes and catalog.loads == 2


def test_an_invalid_version_is_never_served(content: Path, caplog: pytest.LogCaptureFixture) -> None:
    catalog, _, clock = make(content)
    good = catalog.municipality("non-kha-hom")
    path = content / "municipalities/non-kha-hom/processes/pb-2570/process.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("template_version: 1", "template_version: 9"),
                    encoding="utf-8")
    clock.now += 5
    with caplog.at_level(logging.ERROR, "prachakhom.catalog"):
        assert catalog.municipality("non-kha-hom") is good
    assert "template_version" in caplog.text and "has no version 9" in caplog.text
    clock.now += 5
    assert catalog.municipality("non-kha-hom") is good and catalog.loads == 2  # not retried until it changes


def test_unknown_and_malformed_slugs_are_none_without_loading(content: Path) -> None:
    catalog, store, _ = make(content)
    assert catalog.municipality("no-such-place") is None
    assert catalog.municipality("../templates") is None and catalog.municipality("A B") is None
    assert catalog.loads == 0 and not any(c[0] == "read_all" for c in store.calls)
    assert catalog.municipality_slugs() == ["huai-dok-ueang", "non-kha-hom", "tha-lamphu"]


def test_least_recently_used_municipality_is_dropped_beyond_the_limit(content: Path) -> None:
    catalog, _, _ = make(content, max_cached=2)
    for slug in ("huai-dok-ueang", "non-kha-hom", "tha-lamphu"):
        catalog.municipality(slug)
    assert catalog.loads == 3
    catalog.municipality("tha-lamphu")
    assert catalog.loads == 3
    catalog.municipality("huai-dok-ueang")
    assert catalog.loads == 4


def test_store_unavailable_serves_the_cached_copy(content: Path) -> None:
    catalog, store, clock = make(content)
    doc = catalog.municipality("tha-lamphu")
    store.down = True
    clock.now += 10
    assert catalog.municipality("tha-lamphu") is doc
    with pytest.raises(StoreUnavailable):
        catalog.municipality("non-kha-hom")  # nothing cached: the API answers 503


def test_a_new_template_version_reloads_the_municipalities(content: Path) -> None:
    catalog, _, clock = make(content)
    catalog.municipality("tha-lamphu")
    template = content / "templates/pb-tambon"
    (template / "v2.yaml").write_text(
        (template / "v1.yaml").read_text(encoding="utf-8").replace("version: 1", "version: 2"), encoding="utf-8")
    clock.now += 5
    catalog.municipality("tha-lamphu")
    assert catalog.loads == 2 and ("pb-tambon", 2) in catalog.templates()


def test_dynamodb_store_change_is_served_without_a_restart() -> None:
    from tests.test_content_store_contract import new_dynamo_store

    store, clock = new_dynamo_store(), Clock()
    for path in ("templates/pb-tambon/v1.yaml", "municipalities/non-kha-hom/municipality.yaml",
                 "municipalities/non-kha-hom/processes/pb-2570/process.yaml"):
        store.write(path, (CONTENT / path).read_bytes(), None, "push")
    catalog = StoreCatalog(store, monotonic=clock)
    doc = catalog.municipality("non-kha-hom")
    assert doc is not None and doc.processes["pb-2570"].proposals == {}
    proposal = "municipalities/non-kha-hom/processes/pb-2570/proposals/ambulance-ban-don-han.md"
    store.write(proposal, (CONTENT / proposal).read_bytes(), None, "staff@non-kha-hom")
    clock.now += 5
    after = catalog.municipality("non-kha-hom")
    assert after is not None and list(after.processes["pb-2570"].proposals) == ["ambulance-ban-don-han"]
