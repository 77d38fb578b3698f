"""Thai text helpers for the build: readable heading anchors (the search index's words are in
site_generator/search_index.py).

Thai is written without spaces between words, and its vowel and tone marks are combining
characters that the usual slugifiers drop (งบประมาณแต่ละหมู่บ้าน → "งบประมาณแตละหมบาน").
"""

from __future__ import annotations

import re
import unicodedata


def slugify(value: str, separator: str) -> str:
    """Heading anchor that keeps Thai letters *and* marks: "## งบประมาณ หมู่ที่ 1" → "งบประมาณ-หมู่ที่-1"."""
    value = unicodedata.normalize("NFC", value).strip().lower()
    value = re.sub(r"[^\w\s\-\u0E00-\u0E7F]", "", value)
    return re.sub(r"[\s\-]+", separator, value).strip(separator)
