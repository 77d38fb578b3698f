"""Self-hosted Thai web font: Sarabun from the `fontpkg-sarabun` wheel, subset to woff2.

The full TTFs are ~90 KB each; Thai + basic Latin as woff2 is ~16 KB, which keeps a first page
load on a weak mobile connection small. Subsets are cached under the build folder.
"""

from __future__ import annotations

import io
from pathlib import Path

import fontpkg_sarabun
from fontTools import subset
from fontTools.ttLib import TTFont

WEIGHTS = {"Regular": 400, "Bold": 700}
UNICODES = (
    list(range(0x20, 0x7F))  # basic Latin: digits, punctuation, URLs
    + list(range(0x0E00, 0x0E80))  # Thai block, incl. ฿ and Thai digits
    + [0xA0, 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x200B, 0x25CC]
)
SOURCE_DIR = Path(fontpkg_sarabun.__file__).parent / "files"


def font_files(cache_dir: Path) -> dict[str, bytes]:
    """`{"sarabun-400.woff2": bytes, ...}`, built once and cached."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    result = {}
    for style, weight in WEIGHTS.items():
        name = f"sarabun-{weight}.woff2"
        cached = cache_dir / name
        if not cached.is_file():
            cached.write_bytes(_subset(SOURCE_DIR / f"Sarabun-{style}.ttf"))
        result[name] = cached.read_bytes()
    return result


def _subset(path: Path) -> bytes:
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # Thai needs mark positioning (tone marks above vowels)
    font = TTFont(path)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


FONT_CSS = "\n".join(
    f"""@font-face {{
  font-family: "Sarabun";
  font-style: normal;
  font-weight: {weight};
  font-display: swap;
  src: url("sarabun-{weight}.woff2") format("woff2");
}}"""
    for weight in WEIGHTS.values()
)
