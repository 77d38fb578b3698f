"""Thai formatting shared by the site and the API: Buddhist-era dates and baht.

Hand-written on purpose: twelve month names and `year + 543` are all it takes, and the API's
cold start must not pay for importing a full NLP library to say "1 ธันวาคม 2569".
"""

from __future__ import annotations

from datetime import date

MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
SHORT_MONTHS = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)
BUDDHIST_ERA_OFFSET = 543


def thai_date(day: date, short: bool = False) -> str:
    """`date(2022, 5, 17)` → "17 พฤษภาคม 2565" (or "17 พ.ค. 2565" when short)."""
    months = SHORT_MONTHS if short else MONTHS
    return f"{day.day} {months[day.month - 1]} {day.year + BUDDHIST_ERA_OFFSET}"


def thai_date_range(start: date, end: date) -> str:
    """"1 – 14 ธันวาคม 2569", or both dates in full when the months differ."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day} – {thai_date(end)}"
    return f"{thai_date(start)} – {thai_date(end)}"


def baht(amount: int) -> str:
    """`1234567` → "1,234,567 บาท"."""
    return f"{amount:,} บาท"
