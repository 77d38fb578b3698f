"""The one text rule (`prachakhom.text`): what is kept, normalised and refused, with a stable code;
content validation applies it to resident text; text read back from storage is sanitised, never
refused."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prachakhom.content import load_content
from prachakhom.errors import ContentError
from prachakhom.messages import MESSAGES_TH, message
from prachakhom.models import Proposal
from prachakhom.snapshot import StoredComment
from prachakhom.text import TextProblem, clean_text, sanitise_text
from tests.conftest import ContentFactory, proposal_data, write_doc

# (text, one-line result, multi-line result); a str result is the normalised text
NORMALISED = [
    ("ซ่อมถนน\u2028สาย 1", "ซ่อมถนน สาย 1", "ซ่อมถนน\nสาย 1"),
    ("ซ่อมถนน\u2029สาย 1", "ซ่อมถนน สาย 1", "ซ่อมถนน\n\nสาย 1"),
    ("ซ่อมถนน\x85สาย 1", "ซ่อมถนน สาย 1", "ซ่อมถนน\nสาย 1"),
    ("ซ่อมถนน\rสาย 1", "ซ่อมถนน สาย 1", "ซ่อมถนน\nสาย 1"),
    ("ซ่อมถนน\r\nสาย 1", "ซ่อมถนน สาย 1", "ซ่อมถนน\nสาย 1"),
    ("ซ่อมถนน\x0bสาย\x0c1", "ซ่อมถนน สาย 1", "ซ่อมถนน\nสาย\n1"),
    ("ถนน\tสาย", "ถนน สาย", "ถนน\tสาย"),
    ("  ถนน  ", "ถนน", "ถนน"),
    ("Cafe\u0301", "Café", "Café"),                               # NFC
    ("ไฟ\u200bส่องสว่าง", "ไฟ\u200bส่องสว่าง", "ไฟ\u200bส่องสว่าง"),  # Thai line-break hint kept
    ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # ZWJ emoji kept
    ("", "", ""),
    (" \n ", "", ""),
]

# (text, code, 1-based position in the text as given)
REFUSED = [
    ("ถนน\x1cสาย", "text_control_character", 4),
    ("ถนน\x00", "text_control_character", 4),
    ("ถนน\x7f", "text_control_character", 4),
    ("ถนน\x9b", "text_control_character", 4),
    ("abc\u202eกขค", "text_bidi_control", 4),
    ("\u2066abc\u2069", "text_bidi_control", 1),
    ("ab\ud800", "text_invalid_character", 3),
    ("ab\uffff", "text_invalid_character", 3),
    ("\u200b\u200c\u200d", "text_not_readable", None),
    ("\u0e31\u0e49", "text_not_readable", None),              # Thai vowel + tone mark, no consonant
    ("\ufeff\u2060 \u3164", "text_not_readable", None),
    ("\u2800\u2800", "text_not_readable", None),
]


@pytest.mark.parametrize(("text", "one_line", "many_lines"), NORMALISED)
def test_normalised(text: str, one_line: str, many_lines: str) -> None:
    assert clean_text(text) == one_line
    assert clean_text(text, multiline=True) == many_lines


@pytest.mark.parametrize(("text", "code", "position"), REFUSED)
def test_refused_with_a_stable_code_and_a_thai_message(text: str, code: str, position: int | None) -> None:
    for multiline in (False, True):
        with pytest.raises(TextProblem) as caught:
            clean_text(text, multiline=multiline)
        assert caught.value.code == code
        assert caught.value.position == (None if position is None else position - 1)
        assert code in MESSAGES_TH
        assert "{" not in message(code, position=position)
        sanitised = sanitise_text(text, multiline=multiline)  # never refuses
        if code != "text_not_readable":
            assert clean_text(sanitised, multiline=multiline) == sanitised


TEXTS = st.text(st.characters(codec="utf-8") | st.sampled_from("\r\n\t\x85\u2028\u2029\u202e\u200b\u0e31 "))


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.booleans())
def test_accepted_text_is_clean_and_stable(text: str, multiline: bool) -> None:
    try:
        clean = clean_text(text, multiline=multiline)
    except TextProblem:
        return
    assert clean_text(clean, multiline=multiline) == clean
    assert clean == unicodedata.normalize("NFC", clean) == clean.strip()
    breaks = {"\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\x1c", "\x1d", "\x1e"}
    assert not breaks & set(clean)
    assert len(clean.splitlines()) <= (clean.count("\n") + 1 if multiline else 1)


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.booleans())
def test_sanitised_text_is_never_refused_for_a_character(text: str, multiline: bool) -> None:
    out = sanitise_text(text, multiline=multiline)
    try:
        assert clean_text(out, multiline=multiline) == out
    except TextProblem as problem:
        assert problem.code == "text_not_readable"


@pytest.mark.parametrize(("char", "field", "accepted"), [
    ("\u2028", "title", "ซ่อมถนน สาย 1"),
    ("\u2029", "title", "ซ่อมถนน สาย 1"),
    ("\x85", "title", "ซ่อมถนน สาย 1"),
    ("\r", "author", "ซ่อมถนน สาย 1"),
    ("\u2028", "summary", "ซ่อมถนน\nสาย 1"),
    ("\x1c", "title", None),
    ("\u202e", "author", None),
])
def test_content_validation_applies_the_rule(content_factory: ContentFactory, char: str, field: str,
                                             accepted: str | None) -> None:
    path = content_factory.process_dir / "proposals" / "road-north.md"
    write_doc(path, proposal_data(**{field: f"ซ่อมถนน{char}สาย 1"}), "ถนนเสียหาย")
    if accepted is None:
        with pytest.raises(ContentError) as caught:
            load_content(content_factory.root)
        (problem,) = caught.value.problems
        assert problem.field == field and "U+" in problem.message and "remove it" in problem.message
        return
    doc = load_content(content_factory.root).municipalities["thot-sop"].processes["pb-2570"]
    assert getattr(doc.proposals["road-north"].proposal, field) == accepted


@pytest.mark.parametrize(("title", "words"), [
    ("\u200b\u200b", "nothing readable"),
    ("\u0e31\u0e49\u0e49", "nothing readable"),
])
def test_content_refuses_a_title_with_nothing_readable(content_factory: ContentFactory, title: str, words: str) -> None:
    write_doc(content_factory.process_dir / "proposals" / "road-north.md", proposal_data(title=title), "ถนน")
    with pytest.raises(ContentError) as caught:
        load_content(content_factory.root)
    assert any(p.field == "title" and words in p.message for p in caught.value.problems)


def test_content_body_follows_the_rule(content_factory: ContentFactory) -> None:
    path = content_factory.process_dir / "proposals" / "road-north.md"
    write_doc(path, proposal_data(), "ย่อหน้าแรก\u2029ย่อหน้าสอง")
    doc = load_content(content_factory.root).municipalities["thot-sop"].processes["pb-2570"]
    assert doc.proposals["road-north"].body == "ย่อหน้าแรก\n\nย่อหน้าสอง"
    write_doc(path, proposal_data(), "ข้อความ\u202eกลับทิศ")
    with pytest.raises(ContentError) as caught:
        load_content(content_factory.root)
    assert [(p.field, "bidirectional" in p.message) for p in caught.value.problems] == [("body", True)]


def test_stored_text_is_sanitised_never_refused() -> None:
    """Text the API stored before the rule existed must never stop a rebuild or a count."""
    proposal = Proposal.model_validate(proposal_data(title="ถนน\x1c\u202eสาย\u2028หนึ่ง", author="ก\u2066ข"))
    assert proposal.title == "ถนนสาย หนึ่ง" and proposal.author == "กข"
    comment = StoredComment.model_validate({"id": "c1", "author": "ผู้ใช้\x00", "text": "บรรทัด\r\nสอง\u2029สาม",
                                            "created_at": "2026-11-01T10:00:00"})
    assert (comment.author, comment.text) == ("ผู้ใช้", "บรรทัด\nสอง\n\nสาม")
