"""Privacy (PDPA), scanned: residents use every route with their national ID, birth date and phone
number — valid and refused requests, a busy database, a closed vote — then every stored item
(outside the staff-only PRIVATE partition), every exported file, every built page and every log line
is searched for those values in any common spelling. None is found in clear."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from tests.api_fixtures import (  # isort: skip  (puts functions/ on sys.path)
    BASE,
    IDEAS,
    MUNI,
    STAFF_BASE,
    make_service,
    national_id,
    new_dynamo_repository,
    scan_table,
    served,
    write_idea_content,
)
from tests.fault_injection import inject, no_backoff

pytestmark = pytest.mark.slow

IDS = [national_id(n) for n in (424242, 515151, 636363)]
BIRTH = "1957-08-19"
PHONE = "0867123459"


def spellings() -> list[re.Pattern[str]]:
    """Every way the secrets may be written: IDs plain or dashed (1-2345-67890-12-3), the birth date
    in ISO, Buddhist era (2500) and Thai words, the phone plain, dashed or international."""
    found = []
    for nid in IDS:
        dashed = f"{nid[0]}-{nid[1:5]}-{nid[5:10]}-{nid[10:12]}-{nid[12]}"
        found += [re.escape(nid), re.escape(dashed), re.escape(nid[1:])]
    found += [re.escape(BIRTH), "2500-08-19", "19 สิงหาคม 2500", "19/08/2500", "19/08/1957"]
    found += [re.escape(PHONE), "086-712-3459", "086 712 3459", r"\+66 ?86 ?712 ?3459", "66867123459"]
    return [re.compile(p) for p in found]


def leaks(text: str) -> list[str]:
    return sorted({m.group() for pattern in spellings() for m in pattern.finditer(text)})


def test_no_national_id_birth_date_or_phone_in_clear_anywhere(tmp_path: Path, caplog, monkeypatch) -> None:
    no_backoff(monkeypatch)
    repo = new_dynamo_repository()
    site, data = tmp_path / "site", tmp_path / "data"
    content = write_idea_content(tmp_path, "ideas")
    service = make_service(content, repo, rebuild="local", site_dir=site, data_dir=data)
    answers: list[str] = []
    from app import app  # Chalice's app logger ("prachakhom") keeps its lines to itself: to caplog too

    monkeypatch.setattr(app.log, "propagate", True)
    caplog.set_level(logging.DEBUG, logger="prachakhom")
    caplog.set_level(logging.DEBUG, logger="chalicelib")
    caplog.set_level(logging.INFO)
    with served(service) as http:
        def record(result: tuple[int, object]) -> tuple[int, object]:
            answers.append(json.dumps(result[1], ensure_ascii=False))
            return result

        ideas = f"/api/municipalities/{MUNI}/processes/{IDEAS}"
        proposal = {"title": "ธนาคารขยะ", "summary": "คัดแยก", "description": f"ติดต่อ {PHONE[:3]} ได้", "category":
                    "roads", "village": 1, "author": "สมหญิง", "contact": PHONE, "cost": 5000}
        slug = record(http.post(BASE + "/proposals", proposal, key="pv-1"))[1]["proposal"]["slug"]
        record(http.staff(f"{STAFF_BASE}/proposals/{slug}/moderation", {"decision": "approve"}))
        for nid in IDS:  # supports: valid, repeated, too young, bad ID
            record(http.post(f"{ideas}/proposals/sorting-at-school/support", {"national_id": nid, "birth_date": BIRTH}))
            record(http.post(f"{ideas}/proposals/sorting-at-school/support", {"national_id": nid, "birth_date": BIRTH}))
        record(http.post(f"{ideas}/proposals/compost-bins/support", {"national_id": IDS[0], "birth_date": "2020-01-01"}))
        record(http.post(f"{ideas}/proposals/compost-bins/support", {"national_id": IDS[0][:-1] + "0",
                                                                      "birth_date": BIRTH}))
        with inject(repo.client.raw, "throttle", operations={"PutItem"}):
            record(http.post(f"{ideas}/proposals/compost-bins/support", {"national_id": IDS[1], "birth_date": BIRTH}))
        for phase in ("proposals", "review"):  # on to the vote
            record(http.staff(STAFF_BASE + "/phase", {"expected_phase": phase}, key=f"to-{phase}"))
        ballot = {"village-1": ["road-village-1"], "municipality": ["market-all"]}
        receipts = []
        for nid in IDS:
            status, body = record(http.post(BASE + "/ballot", {"national_id": nid, "birth_date": BIRTH,
                                                               "choices": ballot}, key=f"b-{IDS.index(nid)}"))
            assert status == 201, body
            receipts.append(body["receipt"])
            record(http.post(BASE + "/ballot", {"national_id": nid, "birth_date": BIRTH, "choices": ballot},
                             key=f"again-{IDS.index(nid)}"))  # already voted: told the receipt
        record(http.put(BASE + "/ballot", {"national_id": IDS[0], "birth_date": BIRTH,
                                           "choices": {"municipality": ["park-all"]}}, key="change"))
        record(http.staff(STAFF_BASE + "/phase", {"expected_phase": "voting"}, key="close"))
        for receipt in receipts:
            record(http.get(f"{BASE}/receipts/{receipt}"))
        record(http.staff(f"/municipalities/{MUNI}/processes/{IDEAS}/phase", {"expected_phase": "ideas"},
                          key="ideas-close"))

    items = [i for i in scan_table(repo) if not i["PK"]["S"].startswith("PRIVATE#")]
    private = [i for i in scan_table(repo) if i["PK"]["S"].startswith("PRIVATE#")]
    assert leaks(json.dumps(private)) == [PHONE]  # the contact is kept, where only staff may read it
    dumped = json.dumps(items, ensure_ascii=False)
    assert leaks(dumped) == [], [dumped[max(0, dumped.find(x) - 300):dumped.find(x) + 50] for x in leaks(dumped)]
    exported = sorted(p for p in data.rglob("*") if p.is_file())
    assert any(p.suffix == ".pb" for p in exported) and any(p.name == "snapshot.json" for p in exported)
    for path in exported:
        assert leaks(path.read_text(encoding="utf-8")) == [], path
    pages = [p for p in site.rglob("*") if p.is_file() and p.suffix in (".html", ".json", ".js", ".xml", ".txt")]
    assert len(pages) > 10
    for path in pages:
        assert leaks(path.read_text(encoding="utf-8", errors="replace")) == [], path
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "storage unavailable" in logged  # the busy database was logged…
    assert leaks(logged) == []  # …without the request that met it
    assert leaks("\n".join(answers)) == []  # nor does any answer echo them
