"""The resident message catalogue (prachakhom/messages.py) speaks to residents, not to programmers."""

from __future__ import annotations

import re

from prachakhom.messages import MESSAGES_TH, message

JARGON = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE|HTTP|Idempotency)\b")


def test_no_resident_message_names_an_http_method() -> None:
    thai = {code: text for code, text in MESSAGES_TH.items() if re.search("[\u0e00-\u0e7f]", text)}
    assert len(thai) > 40
    assert [code for code, text in thai.items() if JARGON.search(text)] == []


def test_a_voter_who_may_change_is_told_how_in_words() -> None:
    said = message("already_voted_can_change", receipt="7K2M-9QXD-R4TA")
    assert "7K2M-9QXD-R4TA" in said and "ส่งบัตรใหม่แทนบัตรเดิม" in said


def test_limits_are_shown_with_thousands_separators() -> None:
    assert message("less_than_equal", le=100_000_000_000) == "ต้องไม่เกิน 100,000,000,000"
