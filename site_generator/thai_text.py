"""Thai text helpers for the build: readable heading anchors and search-index segmentation.

Thai is written without spaces between words, and its vowel and tone marks are combining
characters that the usual slugifiers drop (งบประมาณแต่ละหมู่บ้าน → "งบประมาณแตละหมบาน").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

THAI_RUN = re.compile(r"[\u0E00-\u0E7F]+")
ZERO_WIDTH_SPACE = "\u200b"


def slugify(value: str, separator: str) -> str:
    """Heading anchor that keeps Thai letters *and* marks: "## งบประมาณ หมู่ที่ 1" → "งบประมาณ-หมู่ที่-1"."""
    value = unicodedata.normalize("NFC", value).strip().lower()
    value = re.sub(r"[^\w\s\-\u0E00-\u0E7F]", "", value)
    return re.sub(r"[\s\-]+", separator, value).strip(separator)


@lru_cache(maxsize=65536)
def _segment_run(run: str) -> str:
    from pythainlp.tokenize import word_tokenize  # slow import: only when a build needs it

    return ZERO_WIDTH_SPACE.join(w for w in word_tokenize(run, engine="newmm", keep_whitespace=False) if w)


def segment(text: str) -> str:
    """Insert zero-width spaces between Thai words so the search index has one token per word."""
    return THAI_RUN.sub(lambda m: _segment_run(m.group(0)), text)
