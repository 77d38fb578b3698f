"""One municipality at a time from a content store, cached per container, refreshed when it changes.

`StoreCatalog` is the `MunicipalityCatalog` the API and the rebuild use: asked for a municipality,
it loads that municipality's files alone (plus the national templates, loaded on their own), keeps
the validated result, and afterwards reads only the municipality's *version* — one small read, at
most every `refresh_seconds` — reloading when it has changed. So the first request of a cold
container costs the same with 10 municipalities or 7,850, and a new process, a forum proposal or a
changed budget written to the store is served within seconds, without a redeploy.

Content that fails validation is never served: the catalog logs the report and keeps serving the
last valid version (or answers "no such municipality" if it never had one) until a valid version
is written. When the store cannot be reached, what is cached is served and the check is retried later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from prachakhom.content import SLUG_RE, MunicipalityDoc, load_municipality, load_templates
from prachakhom.errors import ContentError
from prachakhom.models import ProcessTemplate
from prachakhom.store import TEMPLATES, ContentStore, StoreUnavailable, municipality_scope

log = logging.getLogger("prachakhom.catalog")

REFRESH_SECONDS = 5.0
"""How old a cached municipality may be before its version is read again."""
MAX_CACHED = 64
"""Municipalities kept per container; the least recently used is dropped beyond this."""

Templates = dict[tuple[str, int], ProcessTemplate]
T = TypeVar("T")


@dataclass
class _Cached(Generic[T]):
    version: str | None
    value: T
    checked_at: float
    templates_version: str | None = None


class StoreCatalog:
    """`MunicipalityCatalog` over a content store (see the module's docstring)."""

    def __init__(self, store: ContentStore, refresh_seconds: float = REFRESH_SECONDS,
                 max_cached: int = MAX_CACHED, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.refresh_seconds, self.max_cached = refresh_seconds, max_cached
        self._now = monotonic
        self._lock = threading.RLock()
        self._templates: _Cached[Templates] | None = None
        self._municipalities: OrderedDict[str, _Cached[MunicipalityDoc | None]] = OrderedDict()
        self._slugs: _Cached[list[str]] | None = None
        self.loads = 0
        """How many times a municipality was (re)loaded from the store (tests and logs)."""

    def municipality(self, slug: str) -> MunicipalityDoc | None:
        if not SLUG_RE.match(slug):
            return None
        with self._lock:
            now = self._now()
            cached = self._municipalities.get(slug)
            if cached is not None:
                self._municipalities.move_to_end(slug)
                if now - cached.checked_at < self.refresh_seconds:
                    return cached.value
            try:
                return self._refresh(slug, cached, now)
            except StoreUnavailable as err:
                if cached is None:
                    raise
                log.warning("content store unavailable, serving %s as cached: %s", slug, err)
                cached.checked_at = now
                return cached.value

    def _refresh(self, slug: str, cached: _Cached[MunicipalityDoc | None] | None,
                 now: float) -> MunicipalityDoc | None:
        version = self.store.version(municipality_scope(slug))
        if version is None:  # no such municipality (any more): nothing to load
            doc, templates_version = None, None
        else:
            templates = self._current_templates(now)
            assert self._templates is not None
            templates_version = self._templates.version
            if cached is not None and (cached.version, cached.templates_version) == (version, templates_version):
                cached.checked_at = now
                return cached.value
            doc = self._load(slug, version, templates, cached)
        self._municipalities[slug] = _Cached(version, doc, now, templates_version)
        self._municipalities.move_to_end(slug)
        while len(self._municipalities) > self.max_cached:
            self._municipalities.popitem(last=False)
        return doc

    def municipality_slugs(self) -> list[str]:
        with self._lock:
            now = self._now()
            if self._slugs is None or now - self._slugs.checked_at >= self.refresh_seconds:
                self._slugs = _Cached(None, self.store.municipalities(), now)
            return list(self._slugs.value)

    def templates(self) -> Templates:
        """The national templates in force (validated on their own), refreshed like a municipality."""
        with self._lock:
            return self._current_templates(self._now())

    def _current_templates(self, now: float) -> Templates:
        cached = self._templates
        if cached is not None and now - cached.checked_at < self.refresh_seconds:
            return cached.value
        version = self.store.version(TEMPLATES)
        if cached is not None and cached.version == version:
            cached.checked_at = now
            return cached.value
        try:
            templates = load_templates(self.store)
        except ContentError as err:
            log.error("templates at version %s are invalid; keeping the last valid ones:\n%s", version,
                      err.report())
            templates = cached.value if cached is not None else {}
        self._templates = _Cached(version, templates, now)
        return templates

    def _load(self, slug: str, version: str, templates: Templates,
              cached: _Cached[MunicipalityDoc | None] | None) -> MunicipalityDoc | None:
        self.loads += 1
        try:
            return load_municipality(self.store, slug, templates)
        except ContentError as err:
            log.error("%s at version %s is invalid; serving the last valid version (%s):\n%s", slug, version,
                      "none" if cached is None or cached.value is None else cached.version, err.report())
            return cached.value if cached is not None else None
