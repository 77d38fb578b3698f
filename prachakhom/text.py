"""The one rule for text people type (titles, summaries, names, comments, bodies): what is kept,
what is normalised and what is refused, with a stable code per refusal.

Why: such text ends up in pages, in the search index and in the published ballot files (Pabulib,
CSV). A title carrying a line or paragraph separator (U+2028, U+2029, U+0085), an information
separator (U+001C) or a bare CR breaks line-oriented readers; bidirectional overrides make text
read differently from what it says ("Trojan Source"); a title of zero-width characters or lone Thai
vowel marks shows as nothing.

`clean_text` (new input: content files, API requests):

- normalises to NFC; line breaks (CR LF, CR, LF, VT, FF, NEL U+0085, LS U+2028) become LF in a
  multi-line field, a paragraph separator (U+2029) a blank line; in a one-line field every line
  break and a tab become a space; leading and trailing whitespace is stripped;
- refuses (`TextProblem.code`): `text_control_character` (any other C0/C1 control, DEL, the
  information separators U+001C–U+001F), `text_bidi_control` (embeddings/overrides U+202A–U+202E,
  isolates U+2066–U+2069), `text_invalid_character` (lone surrogates, Unicode non-characters),
  `text_not_readable` (only whitespace, zero-width or format characters, combining marks such as
  lone Thai vowels and tone marks, or invisible fillers). The empty string is kept: whether a field
  may be empty is the field's own rule.

`sanitise_text` never refuses: what `clean_text` gives, with refused characters dropped. It is for
text stored before the rule existed, on its way into pages and files; new input uses `clean_text`.

Zero-width joiners/non-joiners and U+200B (Thai line-break hints) are kept inside readable text.
"""

from __future__ import annotations

import unicodedata

LINE_BREAKS = ("\r\n", "\r", "\x0b", "\x0c", "\x85", "\u2028")
"""Become LF in a multi-line field (U+2029, a paragraph separator, becomes a blank line)."""

BREAKS_AND_TAB = frozenset("\n\t\r\x0b\x0c\x85\u2028\u2029")

BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
INVISIBLE_GRAPHIC = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Letters and symbols that render as blank space (Hangul fillers, the blank Braille pattern)."""

READABLE_CATEGORIES = ("L", "N", "P", "S")


class TextProblem(ValueError):
    """Why a text is refused: a stable `code`, the offending character and its position (if any),
    and an English message for staff and logs (residents get `prachakhom.messages.message(code)`)."""

    def __init__(self, code: str, message: str, char: str | None = None, position: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.char = char
        self.position = position


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` normalised, or `TextProblem` if it cannot be accepted (see the module doc); the
    position it names is counted in `value` as given, from 1."""
    for position, char in enumerate(value):
        problem = _char_problem(char, position)
        if problem is not None:
            raise problem
    text = unicodedata.normalize("NFC", _normalise_breaks(value, multiline)).strip()
    if text and not any(_readable(c) for c in text):
        raise TextProblem("text_not_readable", "the text has nothing readable: only spaces, invisible "
                                               "characters or marks without a letter; type the words")
    return text


def sanitise_text(value: str, *, multiline: bool = False) -> str:
    """What `clean_text` gives, never refusing: characters it refuses are dropped; text with
    nothing readable is kept as it is (it breaks no file)."""
    kept = "".join(c for i, c in enumerate(value) if _char_problem(c, i) is None)
    return unicodedata.normalize("NFC", _normalise_breaks(kept, multiline)).strip()


def _normalise_breaks(value: str, multiline: bool) -> str:
    text = value
    for br in LINE_BREAKS:
        text = text.replace(br, "\n")
    if not multiline:
        return text.replace("\u2029", " ").replace("\n", " ").replace("\t", " ")
    return text.replace("\u2029", "\n\n")


def _char_problem(char: str, position: int) -> TextProblem | None:
    if char in BREAKS_AND_TAB:
        return None
    where = f"U+{ord(char):04X} at position {position + 1}"
    category = unicodedata.category(char)
    if category == "Cc":
        return TextProblem("text_control_character", f"control character {where}: remove it", char, position)
    if char in BIDI_CONTROLS:
        return TextProblem("text_bidi_control", f"bidirectional control character {where} can make the text "
                                                f"read differently from what it says: remove it", char, position)
    if category == "Cs" or _noncharacter(char):
        return TextProblem("text_invalid_character", f"{where} is not a character: remove it", char, position)
    return None


def _noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _readable(char: str) -> bool:
    return unicodedata.category(char)[0] in READABLE_CATEGORIES and char not in INVISIBLE_GRAPHIC
