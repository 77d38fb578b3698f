"""Thai for residents, by code: the one catalogue the API, the core and the site generator draw from.

Labels (actions, proposal and project statuses, places) and messages (errors, receipts). Codes are
stable English identifiers (clients and tests match on them); the text is what a resident reads.
Staff-facing and log messages stay in English next to the code that raises them.
"""

from __future__ import annotations

ACTION_TH: dict[str, str] = {
    "propose": "เสนอโครงการ",
    "comment": "แสดงความคิดเห็น",
    "support": "สนับสนุนแนวคิด",
    "vote": "ลงคะแนน",
    "follow": "ติดตามความคืบหน้า",
}

PROPOSAL_STATUS_TH: dict[str, str] = {
    # the statuses residents see (`models.PUBLIC_PROPOSAL_STATUSES`); the pages' status filter lists them
    "published": "รอคัดกรอง",
    "feasible": "ผ่านการคัดกรอง",
    "infeasible": "ไม่ผ่านการคัดกรอง",
    "selected": "ได้รับเลือก",
    "not_selected": "ไม่ได้รับเลือก",
    "withdrawn": "ถอนข้อเสนอ",
}

PROJECT_STATUS_TH: dict[str, str] = {
    "planned": "รอดำเนินการ",
    "in_progress": "กำลังดำเนินการ",
    "delayed": "ล่าช้า",
    "completed": "เสร็จแล้ว",
    "cancelled": "ยกเลิก",
}

WHOLE_AREA_TH = "ทั้งท้องถิ่น"
"""Where a municipality-wide proposal, project or pot is: the whole area, not one village."""

MESSAGES_TH: dict[str, str] = {
    # request shape (pydantic error types and our own)
    "missing": "จำเป็นต้องกรอกข้อมูลนี้",
    "extra_forbidden": "ไม่รู้จักข้อมูลนี้ กรุณาตรวจสอบชื่อช่อง",
    "string_too_short": "กรุณากรอกข้อมูล",
    "string_too_long": "ข้อความยาวเกินไป (ไม่เกิน {max_length} ตัวอักษร)",
    "string_type": "ต้องเป็นข้อความ",
    "string_pattern_mismatch": "รูปแบบไม่ถูกต้อง",
    "int_type": "ต้องเป็นจำนวนเต็ม เช่น 250000 (ไม่มีทศนิยมหรือจุลภาค)",
    "int_parsing": "ต้องเป็นจำนวนเต็ม เช่น 250000 (ไม่มีทศนิยมหรือจุลภาค)",
    "int_from_float": "ต้องเป็นจำนวนเต็ม ไม่มีทศนิยม",
    "greater_than_equal": "ต้องไม่น้อยกว่า {ge}",
    "greater_than": "ต้องมากกว่า {gt}",
    "less_than_equal": "ต้องไม่เกิน {le:,}",
    "too_long": "มีรายการมากเกินไป (ไม่เกิน {max_length} รายการ)",
    "date_type": "ต้องเป็นวันที่ในรูปแบบ ปี-เดือน-วัน (ค.ศ.) เช่น 2000-01-31",
    "date_from_datetime_parsing": "ต้องเป็นวันที่ในรูปแบบ ปี-เดือน-วัน (ค.ศ.) เช่น 2000-01-31",
    "date_parsing": "ต้องเป็นวันที่ในรูปแบบ ปี-เดือน-วัน (ค.ศ.) เช่น 2000-01-31",
    "literal_error": "ค่าที่เลือกไม่ถูกต้อง เลือกได้: {expected}",
    "dict_type": "ต้องเป็นชุดข้อมูล (JSON object)",
    "list_type": "ต้องเป็นรายการ",
    "model_type": "ต้องเป็นชุดข้อมูล (JSON object)",
    "invalid_json": "ข้อมูลที่ส่งมาไม่ใช่ JSON ที่ถูกต้อง",
    "body_too_large": "ข้อมูลที่ส่งมายาวเกินไป (ไม่เกิน {maximum} ไบต์) กรุณาตัดข้อความให้สั้นลงแล้วส่งใหม่",
    "body_too_deep": "ข้อมูลที่ส่งมาซ้อนกันหลายชั้นเกินไป (ไม่เกิน {maximum} ชั้น) กรุณาส่งตามรูปแบบที่กำหนด",
    "number_too_large": "ตัวเลขยาวเกินไป (ไม่เกิน {maximum} หลัก) กรุณาตรวจสอบตัวเลขที่กรอก",
    "invalid_idempotency_key": (
        "รหัสคำขอที่แอปส่งมาไม่ถูกต้อง: ใช้ได้เฉพาะตัวอักษรอังกฤษ ตัวเลข และเครื่องหมาย "
        "ไม่มีช่องว่าง ยาวไม่เกิน {maximum} ตัวอักษร"
    ),
    "idempotency_conflict": (
        "รหัสคำขอนี้ใช้ส่งข้อมูลชุดอื่นไปแล้ว หากต้องการส่งข้อมูลใหม่ "
        "กรุณาเปิดหน้านี้ใหม่แล้วส่งอีกครั้ง (จะได้รหัสคำขอใหม่)"
    ),
    "busy": (
        "ขณะนี้มีผู้ใช้งานจำนวนมาก ระบบยังรับข้อมูลไม่ได้ กรุณารอสักครู่แล้วกดส่งอีกครั้ง "
        "(ข้อมูลจะไม่ถูกบันทึกซ้ำ)"
    ),
    "invalid": "ข้อมูลไม่ถูกต้อง",
    # places and content
    "unknown_municipality": "ไม่พบท้องถิ่นนี้",
    "unknown_process": "ไม่พบกระบวนการนี้",
    "unknown_proposal": "ไม่พบข้อเสนอนี้",
    "unknown_comment": "ไม่พบความคิดเห็นนี้",
    "unknown_receipt": (
        "ไม่พบรหัสยืนยันนี้ กรุณาตรวจสอบว่าพิมพ์ถูกต้อง "
        "หากทำรหัสหาย ให้กรอกเลขประจำตัวประชาชนในหน้าลงคะแนนอีกครั้ง ระบบจะแจ้งรหัสเดิมของท่าน"
    ),
    "unknown_category": "ไม่มีด้านนี้ในกระบวนการนี้ เลือกได้: {choices}",
    "unknown_village": "ไม่มีหมู่ที่ {village} ในท้องถิ่นนี้",
    "not_found": "ไม่พบสิ่งที่ต้องการ",
    "method_not_allowed": "ไม่รองรับวิธีการเรียกนี้",
    "unsupported_media_type": "กรุณาส่งข้อมูลเป็น JSON (Content-Type: application/json)",
    "internal": "ระบบขัดข้อง กรุณาลองใหม่อีกครั้ง",
    "proposal_not_open": "ข้อเสนอนี้ยังไม่เปิดเผยหรือถูกปิดแล้ว",
    "parent_not_found": "ไม่พบความคิดเห็นที่ต้องการตอบกลับในข้อเสนอนี้",
    # text people type (prachakhom.text.clean_text)
    "text_control_character": "ข้อความมีอักขระควบคุมที่มองไม่เห็น (ตำแหน่งที่ {position}) กรุณาลบออกหรือพิมพ์ข้อความใหม่",
    "text_bidi_control": (
        "ข้อความมีอักขระกลับทิศทางการอ่านที่มองไม่เห็น (ตำแหน่งที่ {position}) "
        "ซึ่งทำให้ข้อความแสดงผลต่างจากที่พิมพ์ กรุณาลบออกหรือพิมพ์ข้อความใหม่"
    ),
    "text_invalid_character": "ข้อความมีอักขระที่ไม่ถูกต้อง (ตำแหน่งที่ {position}) กรุณาพิมพ์ข้อความใหม่",
    "text_not_readable": "ข้อความนี้ไม่มีตัวอักษรที่อ่านได้ กรุณาพิมพ์ข้อความ",
    # identity and eligibility
    "invalid_national_id": "เลขประจำตัวประชาชนไม่ถูกต้อง กรุณาตรวจสอบทั้ง 13 หลัก",
    "too_young": "ผู้มีสิทธิ์ต้องมีอายุ {minimum_age} ปีขึ้นไป",
    "birth_date_future": "วันเกิดต้องไม่เป็นวันในอนาคต",
    # ballots
    "already_voted": "ท่านลงคะแนนในกระบวนการนี้แล้ว รหัสยืนยันของท่านคือ {receipt}",
    "already_voted_can_change": (
        "ท่านลงคะแนนในกระบวนการนี้แล้ว รหัสยืนยันของท่านคือ {receipt} "
        "หากต้องการเปลี่ยนใจ ส่งบัตรใหม่แทนบัตรเดิมได้จนกว่าจะปิดลงคะแนน"
    ),
    "receipt_collision": (
        "ระบบออกรหัสยืนยันให้ท่านไม่ได้ (รหัสซ้ำกับผู้ลงคะแนนอีกท่าน ซึ่งเกิดได้ยากมาก) "
        "กรุณาติดต่อเจ้าหน้าที่ท้องถิ่น"
    ),
    "no_ballot": "ยังไม่พบบัตรของท่านในกระบวนการนี้ กรุณาลงคะแนนก่อน",
    "change_not_allowed": "กระบวนการนี้ไม่อนุญาตให้เปลี่ยนบัตรหลังลงคะแนนแล้ว",
    "not_a_vote": "กระบวนการนี้ไม่มีการลงคะแนน",
    "empty_ballot": "กรุณาเลือกอย่างน้อยหนึ่งโครงการ",
    "unknown_pot": "ไม่มีกองงบประมาณ “{pot}” ในกระบวนการนี้ เลือกได้: {choices}",
    "one_village": "ลงคะแนนได้เฉพาะหมู่บ้านของท่านหมู่บ้านเดียว",
    "not_on_ballot": "โครงการ “{project}” ไม่อยู่ในบัตรของกองงบประมาณนี้",
    "duplicate_project": "เลือกโครงการ “{project}” ซ้ำ",
    "unknown_project": "ไม่พบโครงการ “{project}” ในกองงบประมาณนี้",
    "too_few_projects": "ต้องเลือกอย่างน้อย {minimum} โครงการ (เลือกไว้ {count})",
    "too_many_projects": "เลือกได้ไม่เกิน {maximum} โครงการ (เลือกไว้ {count})",
    "over_budget": "รวมค่าใช้จ่าย {total} เกินวงเงิน {cap}",
    "under_min_share": "ต้องใช้งบประมาณอย่างน้อย {percent}% ของวงเงิน (ใช้ไป {total})",
    "points_not_positive": "คะแนนของโครงการ “{project}” ต้องมากกว่า 0",
    "too_many_points_for_project": "ให้คะแนนโครงการ “{project}” ได้ไม่เกิน {maximum}",
    "too_many_points": "คะแนนรวม {total} เกิน {maximum}",
    "points_expected": "กระบวนการนี้ให้คะแนนเป็นแต้ม ส่งเป็น {{โครงการ: แต้ม}}",
    "list_expected": "ส่งรายการโครงการที่เลือก",
    "too_many_changes": "แก้ไขบัตรได้ไม่เกิน {maximum} ครั้ง",
    # receipt check
    "receipt_pending": "บัตรของท่านถูกบันทึกแล้ว จะนับคะแนนเมื่อปิดลงคะแนน",
    "receipt_counted": "บัตรของท่านถูกนับในผลการลงคะแนนแล้ว",
    "receipt_after_close": "บัตรนี้บันทึกหลังเวลาปิดลงคะแนน จึงไม่ถูกนับในผลการลงคะแนน",
    "receipt_change_after_close": (
        "บัตรของท่านถูกนับแล้ว ตามฉบับที่บันทึกก่อนปิดลงคะแนน "
        "การแก้ไขที่บันทึกหลังเวลาปิดลงคะแนนไม่ถูกนับ"
    ),
    # supports
    "not_supportable": "ข้อเสนอนี้ยังไม่เปิดให้สนับสนุน",
    # comments
    "already_reported": "ท่านรายงานความคิดเห็นนี้แล้ว",
    # staff sign-in (chalicelib/auth.py, chalicelib/cognito.py) and permissions
    "sign_in_required": "กรุณาเข้าสู่ระบบเจ้าหน้าที่ก่อน (คำขอนี้ไม่มีข้อมูลการเข้าสู่ระบบ)",
    "token_invalid": (
        "ข้อมูลการเข้าสู่ระบบไม่ถูกต้องหรือไม่ได้ออกโดยระบบนี้ "
        "กรุณาออกจากระบบแล้วเข้าสู่ระบบใหม่"
    ),
    "token_expired": "การเข้าสู่ระบบหมดอายุแล้ว กรุณาเข้าสู่ระบบใหม่",
    "auth_unavailable": "ระบบตรวจสอบการเข้าสู่ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้งในอีกสักครู่",
    "sign_in_failed": "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง กรุณาตรวจสอบแล้วลองใหม่",
    "password_change_required": "กรุณาตั้งรหัสผ่านใหม่ก่อนเข้าสู่ระบบครั้งแรก",
    "account_disabled": "บัญชีนี้ใช้งานไม่ได้ กรุณาติดต่อผู้ดูแลระบบของท้องถิ่น",
    "forbidden": (
        "บัญชีของท่านไม่มีสิทธิ์{action}ในท้องถิ่นนี้ "
        "หากจำเป็นต้องใช้ กรุณาติดต่อผู้ดูแลระบบของท้องถิ่น"
    ),
    # staff
    "unauthorized": "Staff token missing or wrong for this municipality",
    "phase_conflict": "The process is in phase '{current}', not '{expected}'; reload and try again",
    "last_phase": "The process is already in its last phase '{current}'",
    "bad_decision": "Decision '{decision}' is not possible for a proposal with status '{status}'",
    "submitted_late": (
        "ข้อเสนอนี้ถูกส่งเข้ามาหลังปิดช่วงรับข้อเสนอ จึงเผยแพร่ไม่ได้ (ระบบรับไว้ระหว่างเปลี่ยนช่วง) "
        "เลือก “ไม่เผยแพร่” (reject) หรือให้ผู้เสนอส่งใหม่ในรอบถัดไป"
    ),
}


ROLE_TH: dict[str, str] = {
    "admin": "ผู้ดูแลระบบของท้องถิ่น",
    "moderator": "ผู้ตรวจสอบข้อเสนอและความคิดเห็น",
    "data_entry": "ผู้บันทึกข้อมูล",
    "reviewer": "ผู้พิจารณาความเป็นไปได้",
    "national": "เจ้าหน้าที่ส่วนกลาง",
}
"""Staff roles (`prachakhom.staff.Role`) as the console names them."""

ALL_PLACES_TH = "ทุกท้องถิ่น"
"""Where a national grant (`prachakhom.staff.ALL_MUNICIPALITIES`) applies."""
DEMO_ACCOUNT_TH = "{role} {place} (บัญชีทดลอง)"
"""The name of a demo staff account (`prachakhom demo`): its role, its place, and that it is a test one."""

STAFF_ACTION_TH: dict[str, str] = {
    "view": "ดูข้อมูลสำหรับเจ้าหน้าที่",
    "read_contacts": "ดูข้อมูลติดต่อของผู้เสนอ",
    "moderate": "ตรวจสอบข้อเสนอและความคิดเห็น",
    "assign_review": "มอบหมายผู้พิจารณาความเป็นไปได้",
    "review_feasibility": "พิจารณาความเป็นไปได้ของข้อเสนอ",
    "enter_proposals": "บันทึกข้อเสนอจากเวทีประชาคม",
    "check_in": "ลงทะเบียนผู้เข้าร่วม",
    "enter_paper_ballots": "บันทึกบัตรลงคะแนนแบบกระดาษ",
    "reconcile": "ตรวจสอบบัตรที่ลงทั้งแบบกระดาษและออนไลน์",
    "change_phase": "เปลี่ยนขั้นตอนของกระบวนการ",
    "edit_process": "แก้ไขกระบวนการ",
    "manage_voter_roll": "จัดการบัญชีรายชื่อผู้มีสิทธิ์",
    "track_projects": "บันทึกความคืบหน้าโครงการ",
    "manage_staff": "จัดการบัญชีเจ้าหน้าที่",
    "read_audit": "ดูบันทึกการดำเนินงานของเจ้าหน้าที่",
    "publish_template": "เผยแพร่แม่แบบกระบวนการ",
}
"""Staff actions (`prachakhom.staff.Action`), to be read after "ไม่มีสิทธิ์"."""


def message(code: str, **params: object) -> str:
    """The Thai text for `code`, filled with `params` (unknown codes fall back to a generic text)."""
    template = MESSAGES_TH.get(code, MESSAGES_TH["invalid"])
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
