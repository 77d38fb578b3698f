"""The voter roll file: encodings, Thai dates, every bad row reported, only keyed hashes kept."""

from __future__ import annotations

from datetime import date

import pytest

from prachakhom.identity import national_id_check_digit, voter_key
from prachakhom.roll import DateProblem, birth_hash, parse_birth_date, read_roll, roll_key

SECRET = b"test-secret"
VILLAGES = (1, 2, 3)


def make_id(n: int) -> str:
    first = f"1{n:011d}"
    return first + str(national_id_check_digit(first))


def bad_check(n: int) -> str:
    good = make_id(n)
    return good[:12] + str((int(good[12]) + 1) % 10)


def read(text: str | bytes, encoding: str = "utf-8") -> object:
    data = text if isinstance(text, bytes) else text.encode(encoding)
    return read_roll(data, VILLAGES, SECRET, "ban-a", "pb-2570")


@pytest.mark.parametrize(("text", "expected"), [
    ("15/04/2504", date(1961, 4, 15)),       # BE, as Thai offices write it
    ("15/4/2504", date(1961, 4, 15)),
    ("15-04-2504", date(1961, 4, 15)),
    ("15.04.2504", date(1961, 4, 15)),
    ("๑๕/๐๔/๒๕๐๔", date(1961, 4, 15)),      # Thai digits
    ("15 เมษายน 2504", date(1961, 4, 15)),
    ("15 เม.ย. 2504", date(1961, 4, 15)),
    ("1961-04-15", date(1961, 4, 15)),       # ISO, CE
    ("2504-04-15", date(1961, 4, 15)),       # ISO order, BE year
    ("15/04/1961", date(1961, 4, 15)),       # dd/mm, CE year
    ("29/02/2543", date(2000, 2, 29)),
])
def test_birth_dates_thai_offices_write(text: str, expected: date) -> None:
    assert parse_birth_date(text) == expected


@pytest.mark.parametrize(("text", "code"), [
    ("15/04/04", "roll_date_two_digit_year"),      # which century?
    ("04/15/2504", "roll_date_month_first"),       # month/day order
    ("00/00/2490", "roll_date_unknown_day"),       # house registration with the year only
    ("31/02/2504", "roll_date_no_such_day"),
    ("29/02/2544", "roll_date_no_such_day"),
    ("15/04/2300", "roll_date_bad_year"),          # neither a BE nor a CE birth year
    ("15 เมสา 2504", "roll_date_unreadable"),
    ("yesterday", "roll_date_unreadable"),
    ("", "roll_date_missing"),
])
def test_ambiguous_or_bad_dates_refused_with_reason(text: str, code: str) -> None:
    with pytest.raises(DateProblem) as err:
        parse_birth_date(text)
    assert err.value.code == code


def test_good_roll_keeps_only_keyed_hashes() -> None:
    text = f"เลขประจำตัวประชาชน,วันเกิด,หมู่ที่\n{make_id(1)},15/04/2504,หมู่ 2\n{make_id(2)},1990-01-01,3\n"
    roll = read(text)
    assert roll.ok and roll.problems == []
    first = roll.entries[0]
    assert first.key == roll_key(SECRET, "ban-a", "pb-2570", make_id(1))
    assert first.birth == birth_hash(SECRET, "ban-a", "pb-2570", make_id(1), date(1961, 4, 15))
    assert first.key != voter_key(SECRET, "ban-a", "pb-2570", make_id(1))
    assert first.village == 2
    stored = repr(roll.entries)
    assert make_id(1) not in stored and "2504" not in stored and "1961" not in stored


def test_bom_and_tis620_files_read_alike() -> None:
    text = f"เลขประจำตัวประชาชน,วันเกิด,หมู่ที่\r\n{make_id(1)},15 เม.ย. 2504,ม.1\r\n"
    utf8 = read(b"\xef\xbb\xbf" + text.encode("utf-8"))
    tis = read(text.encode("tis-620"))
    cp874 = read(text.encode("cp874"))
    assert utf8.ok and tis.ok and cp874.ok
    assert utf8.entries == tis.entries == cp874.entries


def test_every_bad_row_reported_with_line_and_thai_reason() -> None:
    text = "\n".join([
        "national_id,birth_date,village",
        f"{make_id(1)},15/04/2504,1",
        f"{bad_check(2)},15/04/2504,1",        # line 3: check digit
        f"{make_id(1)},16/04/2504,2",          # line 4: duplicate of line 2
        f"{make_id(3)},15/04/2504,9",          # line 5: unknown village
        "",                                    # line 6: empty, skipped
        f"{make_id(4)},15/04/04,1",            # line 7: ambiguous date
        f"{make_id(5)},04/15/2504,x",          # line 8: month first AND no village number
        ",,",                                  # line 9: empty record, skipped
        f"{make_id(6)},15/04/2504",            # line 10: missing column
    ]) + "\n"
    roll = read(text)
    assert not roll.ok
    found = [(p.line, p.code) for p in roll.problems]
    assert found == [
        (3, "roll_check_digit"), (4, "roll_duplicate_id"), (5, "roll_unknown_village"),
        (7, "roll_date_two_digit_year"), (8, "roll_date_month_first"), (8, "roll_bad_village"),
        (10, "roll_columns"),
    ]
    assert roll.blank_lines == 2
    assert "บรรทัดที่ 2" in roll.problems[1].msg
    assert all(any("\u0e00" <= ch <= "\u0e7f" for ch in p.msg) for p in roll.problems)


def test_headerless_roll_in_column_order_and_semicolons() -> None:
    roll = read(f"{make_id(1)};15/04/2504;1\n{make_id(2)};01/01/2533;2\n")
    assert roll.ok and [e.village for e in roll.entries] == [1, 2]


def test_unknown_header_and_empty_file_refused() -> None:
    assert [p.code for p in read("name,date,place\nx,y,z\n").problems] == ["roll_no_header"]
    assert [p.code for p in read("\n\n").problems] == ["roll_empty"]
    assert not read("national_id,birth_date,village\n").ok  # a header and no resident


def test_extra_columns_of_the_export_are_ignored_and_never_kept() -> None:
    """House-registration exports carry more (row number, name, house number): only the three
    columns are read, and nothing of the rest is kept."""
    text = ("ลำดับ,ชื่อ-สกุล,เลขประจำตัวประชาชน,บ้านเลขที่,หมู่ที่,วันเดือนปีเกิด\n"
            f"1,นายสมชาย ใจดี,{make_id(1)},12/3,หมู่ 3,15/04/2504\n")
    roll = read(text)
    assert roll.ok and roll.entries[0].village == 3
    assert "สมชาย" not in repr(roll) and "12/3" not in repr(roll)
