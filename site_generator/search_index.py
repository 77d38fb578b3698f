"""The sites' search index: built with the site, fetched by a phone only when its resident searches.

Thai is written without spaces, so a search engine must know where words end. The build segments
every page with pythainlp (newmm) and the browser segments the query with `Intl.Segmenter` (the
same job; where the two disagree, `assets/pk-search.js` re-splits a query word on the words this
index knows). A word is also findable inside the compounds that contain it ("ลูกรัง" in
"ถนนลูกรัง", "ไต" in "ฟอกไต"): the build registers every dictionary word found inside a longer
word as a *part* of it.

Material's own search fetches one index of every page's full text on every page view (14 MB at
2,000 proposals, parsed by a phone before the first answer). This index is split so that a query
fetches only what it needs, and nothing is fetched before the resident searches. Files, in the
site's `search/` folder:

- `meta.json`: format version, document count, documents per chunk, shard prefixes, processes (also
  in Material's `search_index.json`, fetched with every page, for the worker: see `write_index`);
- `s-<prefix>.json`: word → postings, for the words that start with `<prefix>` (one letter, or two
  when one letter's words would make a shard larger than `SHARD_BYTES`);
- `d-<n>.json`: `DOC_CHUNK` document records (location, title, snippet, and for proposals the
  list card's line and status), HTML-escaped;
- `f-<process>.json`: the proposal list's filters (document, category, village, status per
  proposal, in list order).

Postings are a string of hexadecimal numbers: `(id - previous id) * 4 + flags`, flags `TITLE` (the word
is in the title) and `PART` (only inside a longer word). Every file name and the format are read by
`templates/assets/pk-search.js`; `FORMAT` changes when either side changes.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from prachakhom.thai import baht

if TYPE_CHECKING:
    from site_generator.national import MunicipalitySummary
    from site_generator.pages import GeneratedPage
    from site_generator.views import ProcessView, ProposalView

FORMAT = 1
DOC_CHUNK = 10
"""Documents per `d-<n>.json`: a results page of 20 needs at most 20 small files."""
SHARD_BYTES = 24_000
"""A one-letter shard larger than this is split by the first two letters."""
SNIPPET_CHARS = 160
TITLE, PART = 1, 2

THAI_RUN = re.compile(r"[\u0E01-\u0E4E]+")
PIECE = re.compile(r"[\u0E01-\u0E4E]+|[a-z0-9]+")
THAI_DIGIT = re.compile(r"[๐-๙]")
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d{3})")
TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)


def normalize(text: str) -> str:
    """The one normalisation of indexed text and queries (mirrored in pk-search.js): NFC, lower
    case, Thai digits as Arabic, "ํา" as "ำ", no zero-width characters, no thousands commas."""
    text = unicodedata.normalize("NFC", text).lower()
    if THAI_DIGIT.search(text):
        text = text.translate(THAI_DIGITS)
    text = text.replace("\u0e4d\u0e32", "\u0e33").replace("\u200b", "").replace("\u200c", "")
    return DIGIT_COMMA.sub("", text)


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    from pythainlp.corpus import thai_words

    return frozenset(w for w in thai_words() if len(w) > 1)


@lru_cache(maxsize=65536)
def word_parts(word: str) -> tuple[str, ...]:
    """Dictionary words inside a longer Thai word, cut at character-cluster boundaries:
    "ถนนลูกรัง" → ถนน, ลูก, ลูกรัง, รัง."""
    if len(word) < 3 or not THAI_RUN.fullmatch(word):
        return ()
    from pythainlp.tokenize import tcc

    cuts = sorted({0, len(word), *tcc.tcc_pos(word)})
    known = _dictionary()
    parts = {word[a:b] for i, a in enumerate(cuts) for b in cuts[i + 1:] if (a, b) != (0, len(word))}
    return tuple(sorted(p for p in parts if p in known))


@lru_cache(maxsize=65536)
def _piece_words(piece: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(words, parts inside them) of one run of Thai letters or of Latin letters and digits."""
    if not THAI_RUN.match(piece):
        return ((piece,) if len(piece) > 1 or piece.isdigit() else ()), ()
    from pythainlp.tokenize import word_tokenize  # slow import: only when a build needs it

    found = tuple(w for w in word_tokenize(piece, engine="newmm", keep_whitespace=False) if len(w) > 1)
    return found, tuple(p for w in found for p in word_parts(w))


def words(text: str) -> list[str]:
    """Index words of a text: Thai runs segmented by pythainlp, Latin letters and numbers as typed."""
    return [w for piece in PIECE.findall(normalize(text)) for w in _piece_words(piece)[0]]


def _word_sets(text: str) -> tuple[set[str], set[str]]:
    whole: set[str] = set()
    parts: set[str] = set()
    for piece in set(PIECE.findall(normalize(text))):
        found, inside = _piece_words(piece)
        whole.update(found)
        parts.update(inside)
    return whole, parts


def page_text(body_html: str) -> str:
    """The readable text of a page body (no tags, no scripts, entities decoded)."""
    return html.unescape(TAG.sub(" ", body_html))


@dataclass
class SearchDoc:
    """One search result: a page of the site (or, on the national index, one municipality)."""

    location: str
    title: str
    text: str
    snippet: str
    card: dict[str, str] = field(default_factory=dict)
    """For proposals: the list card's line (`m`), status key (`s`) and label (`l`)."""


@dataclass
class ProposalFacets:
    """The proposal list's filters for one process, in list order."""

    process: str
    slugs: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    villages: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)


def _shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def municipality_docs(
    pages: dict[str, GeneratedPage], views: Iterable[ProcessView]
) -> tuple[list[SearchDoc], list[ProposalFacets]]:
    """A document per searchable page (task pages and the list, whose templates set `search_exclude`,
    stay out) and the proposal lists' filters."""
    from site_generator.pages import page_path

    proposals: dict[str, ProposalView] = {}
    facets = []
    for v in views:
        f = ProposalFacets(v.slug)
        for p in v.proposals:
            proposals[f"{v.slug}/proposals/{p.slug}.md"] = p
            f.slugs.append(p.slug)
            f.categories.append(p.category.key)
            f.villages.append(str(p.village.number) if p.village else "all")
            f.statuses.append(p.proposal.status)
        facets.append(f)
    docs = []
    for uri, page in pages.items():
        if not page.searchable:
            continue
        doc = SearchDoc(page_path(uri), html.unescape(page.title), page_text(page.body),
                        _shorten(html.unescape(page.description)))
        shown = proposals.get(uri)
        if shown is not None:
            cost = f" · {baht(shown.cost)}" if shown.cost is not None else ""
            doc.card = {"m": f"{shown.category.name} · {shown.place}{cost}", "s": shown.proposal.status,
                        "l": shown.status_label}
        docs.append(doc)
    # Neighbours in the index are neighbours in the `d-<n>.json` files: pages first, then proposals by
    # category and title, so a query's results (alike, mostly) come from a few record files.
    order = {uri: (uri in proposals, proposals[uri].category.key if uri in proposals else "", page.title)
             for uri, page in pages.items()}
    by_location = {page_path(uri): order[uri] for uri in order}
    docs.sort(key=lambda d: by_location[d.location])
    return docs, facets


def national_docs(summaries: Iterable[MunicipalitySummary]) -> list[SearchDoc]:
    """One document per municipality: its name, place and processes (the province pages list them)."""
    docs = []
    for m in summaries:
        place = f"{m.type} · อำเภอ{m.district} จังหวัด{m.province}"
        titles = [p.title for p in m.processes]
        docs.append(SearchDoc(f"{m.slug}/", m.name, " ".join([m.name, place, *titles]),
                              _shorten(" · ".join([place, *titles]))))
    return docs


def _postings(docs: list[SearchDoc]) -> dict[str, dict[int, int]]:
    index: dict[str, dict[int, int]] = {}
    for i, doc in enumerate(docs):
        title_whole, title_parts = _word_sets(doc.title)
        text_whole, text_parts = _word_sets(doc.text)
        whole, title = title_whole | text_whole, title_whole | title_parts
        for w in whole | title_parts | text_parts:
            index.setdefault(w, {})[i] = (0 if w in whole else PART) | (TITLE if w in title else 0)
    return index


def encode_postings(postings: dict[int, int]) -> str:
    """Hexadecimal `(id - previous id) * 4 + flags`, comma-separated, ids ascending."""
    out, previous = [], 0
    for doc_id in sorted(postings):
        out.append(f"{(doc_id - previous) * 4 + postings[doc_id]:x}")
        previous = doc_id
    return ",".join(out)


def shard_name(prefix: str) -> str:
    return "s-" + "-".join(f"{ord(c):x}" for c in prefix) + ".json"


def _shards(index: dict[str, dict[int, int]]) -> dict[str, dict[str, str]]:
    encoded = {w: encode_postings(p) for w, p in sorted(index.items())}
    by_letter: dict[str, dict[str, str]] = {}
    for w, p in encoded.items():
        by_letter.setdefault(w[0], {})[w] = p
    shards: dict[str, dict[str, str]] = {}
    for letter, group in by_letter.items():
        size = sum(len(w.encode()) + len(p) + 6 for w, p in group.items())
        if size <= SHARD_BYTES:
            shards[letter] = group
            continue
        for w, p in group.items():  # a big letter: one shard per first two letters
            shards.setdefault(w[:2], {})[w] = p
    return shards


def _record(doc: SearchDoc) -> dict[str, object]:
    e = html.escape
    record: dict[str, object] = {"u": doc.location, "t": e(doc.title), "x": e(doc.snippet)}
    if doc.card:
        record["m"] = e(doc.card["m"])
        record["b"] = [e(doc.card["s"]), e(doc.card["l"])]
    return record


def _dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def index_files(docs: list[SearchDoc], facets: Iterable[ProposalFacets] = ()) -> dict[str, str]:
    """File name (inside `search/`) → JSON text."""
    dump = _dump
    facets = list(facets)
    shards = _shards(_postings(docs))
    ids = {d.location: i for i, d in enumerate(docs)}
    files = {shard_name(prefix): dump(group) for prefix, group in shards.items()}
    for n in range(0, len(docs), DOC_CHUNK):
        files[f"d-{n // DOC_CHUNK}.json"] = dump([_record(d) for d in docs[n: n + DOC_CHUNK]])
    for f in facets:
        locations = [f"{f.process}/proposals/{s}/" for s in f.slugs]
        files[f"f-{f.process}.json"] = dump({
            "ids": [ids.get(loc, -1) for loc in locations], "slugs": f.slugs,
            "c": f.categories, "v": f.villages, "s": f.statuses})
    files["meta.json"] = dump({"format": FORMAT, "docs": len(docs), "chunk": DOC_CHUNK,
                               "shards": sorted(shards), "processes": [f.process for f in facets]})
    return files


def write_index(folder: Path, files: dict[str, str]) -> None:
    """Write the files; `meta.json` also goes into Material's (empty) `search_index.json` as
    `config.pk`, which Material hands to the worker at setup: the first query saves a round trip."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    material = folder / "search_index.json"
    if material.is_file() and "meta.json" in files:
        index = json.loads(material.read_text(encoding="utf-8"))
        index.setdefault("config", {})["pk"] = json.loads(files["meta.json"])
        material.write_text(_dump(index), encoding="utf-8")
