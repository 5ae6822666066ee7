"""Transcripts drafted from identity and gradebook events, read as JSON, PDF and XML, commented and verified."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import sqlalchemy as sa
from lxml import etree
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.contracts.gradebook_records import (
    CommentChange,
    ExemptionGranted,
    ExemptionRevoked,
    SubjectCommentsRecorded,
)
from edu_shared.contracts.gradebook_results import StudentResult, SubjectResult
from edu_shared.contracts.identity import SchoolLevel
from edu_shared.contracts.identity_people import (
    ClassOpened,
    StaffProfileChanged,
    StudentProfileChanged,
    StudentTransferred,
)
from transcript.adapters import orm_transcripts
from transcript.testing import (
    C6A1,
    C6B1,
    OTHER_SCHOOL,
    SCHOOL,
    UNIT,
    YEAR,
    Transcripts,
    approved,
    enrolled,
    staff,
    student,
    year_result,
)

XSD = Path(__file__).resolve().parents[4] / "docs" / "schemas" / "hoc-ba.xsd"
DRAFTED = "vn.edurecords.transcript.drafted"


async def _approve_year(tr: Transcripts) -> None:
    await tr.publish(
        SubjectCommentsRecorded(
            school_id=SCHOOL,
            class_id=C6A1,
            subject_code="toan",
            subject_name="Toán",
            school_year=YEAR,
            semester=2,
            recorded_by="gvbm",
            recorded_at=datetime(2026, 5, 20, tzinfo=UTC),
            changes=[CommentChange(student_id="st-1", old=None, new="Tư duy tốt, trình bày cẩn thận.")],
        ),
        approved("year", [year_result("st-1", "Nguyễn Thị Ánh"), year_result("st-2", "Lê Văn Bình", toan=6.5)]),
    )


async def test_approved_results_draft_a_transcript_with_teachers_comments_and_guardians(tr: Transcripts) -> None:
    await _approve_year(tr)
    listed = await tr.client.get("/students/st-1/transcripts", headers=tr.parent("st-1"))
    assert listed.status_code == 200, listed.text
    [summary] = listed.json()
    assert (summary["level"], summary["status"], summary["school_years"]) == ("thcs", "draft", [YEAR])
    body = (await tr.client.get(f"/transcripts/{summary['id']}", headers=tr.parent("st-1"))).json()
    assert body["profile"]["full_name"] == "Nguyễn Thị Ánh"
    assert body["guardians"] == [{"relation": "me", "full_name": "Lê Thị Hồng", "occupation": "Giáo viên"}]
    [page] = body["years"]
    assert (page["class_name"], page["form"], page["outcome"], page["absent_sessions"]) == ("6A1", "tt22", "len_lop", 2)
    toan = next(s for s in page["subjects"] if s["code"] == "toan")
    assert (toan["hk1"], toan["hk2"], toan["year"]) == ("8.0", "8.5", "8.3")
    assert (toan["teacher_name"], toan["comment"]) == ("Trần Văn Bình", "Tư duy tốt, trình bày cẩn thận.")
    assert [s["code"] for s in page["subjects"]] == ["ngu_van", "toan", "gdtc"]
    assert (page["homeroom_teacher"], page["principal_name"]) == ("Nguyễn Thị Hoa", "Phạm Văn Hùng")
    assert page["learning"] == {"hk1": "Khá", "hk2": "Khá", "year": "Khá"}
    assert [s["field_name"] for s in page["signers"]] == [
        "Sig_2025_2026_GVBM_ngu_van",
        "Sig_2025_2026_GVBM_toan",
        "Sig_2025_2026_GVBM_gdtc",
        "Sig_2025_2026_GVCN",
        "Sig_2025_2026_HieuTruong",
        "Sig_2025_2026_DauTruong",
    ]
    drafted = [e["data"] for e in await tr.events(DRAFTED) if e["data"]["student_id"] == "st-1"]
    assert drafted[-1]["content_sha256"] == body["content_sha256"]
    assert drafted[-1]["verification_code"] == body["verification_code"]


async def test_a_redelivered_event_changes_nothing(tr: Transcripts) -> None:
    [event] = await tr.publish(approved("year", [year_result("st-1", "Nguyễn Thị Ánh")]))
    before = await tr.events(DRAFTED)
    await tr.deliver(event)
    assert await tr.events(DRAFTED) == before
    async with tr.service.runtime.engine.connect() as conn:
        rows = await conn.scalar(sa.select(sa.func.count()).select_from(orm_transcripts.results))
    assert rows == 1


async def test_upstream_changes_redraft_the_transcript(tr: Transcripts) -> None:
    await _approve_year(tr)
    transcript_id = await tr.transcript_id()
    renamed = student("st-1", "Nguyễn Thị Ánh Dương").student
    await tr.publish(
        StudentProfileChanged(student_id="st-1", school_id=SCHOOL, student=renamed, changed=["full_name"]),
        StaffProfileChanged(
            staff_id="staff-toan",
            school_id=SCHOOL,
            family_name="Trần",
            middle_name="Văn",
            given_name="Bính",
            full_name="Trần Văn Bính",
            title="giao_vien",
            status="active",
            changed=["full_name"],
        ),
        ExemptionGranted(
            exemption_id="ex-1",
            school_id=SCHOOL,
            class_id=C6A1,
            class_name="6A1",
            school_year=YEAR,
            student_id="st-1",
            student_name="Nguyễn Thị Ánh",
            subject_code="gdtc",
            subject_name="Giáo dục thể chất",
            semester=1,
            reason="Sức khỏe",
            decision_ref="QĐ 12/2025",
            granted_by="hieutruong",
            granted_at=datetime(2025, 9, 10, tzinfo=UTC),
        ),
    )
    body = (await tr.client.get(f"/transcripts/{transcript_id}", headers=tr.principal())).json()
    subjects = {s["code"]: s for s in body["years"][0]["subjects"]}
    assert body["profile"]["full_name"] == "Nguyễn Thị Ánh Dương"
    assert subjects["toan"]["teacher_name"] == "Trần Văn Bính"
    assert (subjects["gdtc"]["hk1"], subjects["gdtc"]["hk2"]) == ("Miễn", "Đ")
    await tr.publish(
        ExemptionRevoked(
            exemption_id="ex-1",
            school_id=SCHOOL,
            class_id=C6A1,
            school_year=YEAR,
            student_id="st-1",
            subject_code="gdtc",
            semester=1,
            reason="Nhầm",
            revoked_by="hieutruong",
            revoked_at=datetime(2025, 9, 11, tzinfo=UTC),
        )
    )
    body = (await tr.client.get(f"/transcripts/{transcript_id}", headers=tr.principal())).json()
    assert next(s for s in body["years"][0]["subjects"] if s["code"] == "gdtc")["hk1"] == "Đ"


async def test_retest_result_is_kept_beside_the_year_result(tr: Transcripts) -> None:
    await tr.publish(approved("year", [year_result("st-2", "Lê Văn Bình", toan=4.5)]))
    retest = year_result("st-2", "Lê Văn Bình", toan=6.0)
    retest = retest.model_copy(
        update={
            "subjects": [
                s.model_copy(update={"year_before_retest": 4.5}) if s.code == "toan" else s for s in retest.subjects
            ]
        }
    )
    await tr.publish(approved("retest", [retest]))
    body = (await tr.client.get(f"/transcripts/{await tr.transcript_id('st-2')}", headers=tr.principal())).json()
    toan = next(s for s in body["years"][0]["subjects"] if s["code"] == "toan")
    assert (toan["year"], toan["retest"]) == ("4.5", "6.0")
    assert body["years"][0]["approved_periods"] == ["year", "retest"]


async def test_pdf_has_the_values_the_code_and_an_empty_field_per_signer(tr: Transcripts, tmp_path: Path) -> None:
    await _approve_year(tr)
    transcript_id = await tr.transcript_id()
    r = await tr.client.get(f"/transcripts/{transcript_id}.pdf", headers=tr.parent())
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    path = tmp_path / "hb.pdf"
    path.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    code = (await tr.client.get(f"/transcripts/{transcript_id}", headers=tr.parent())).json()["verification_code"]
    assert "Nguyễn Thị Ánh" in text and "Trần Văn Bình" in text and "Tư duy tốt," in text
    assert text.count(f"Mã tra cứu: {code}") == text.count("\f")  # every page
    assert f"https://hocba.test/#/xac-thuc/{code}" in text
    fields = {name: value for name, value, _ in enumerate_sig_fields(PdfFileReader(BytesIO(r.content)))}
    assert set(fields) == {
        "Sig_2025_2026_GVBM_ngu_van",
        "Sig_2025_2026_GVBM_toan",
        "Sig_2025_2026_GVBM_gdtc",
        "Sig_2025_2026_GVCN",
        "Sig_2025_2026_HieuTruong",
        "Sig_2025_2026_DauTruong",
    }
    assert all(value is None for value in fields.values())


async def test_xml_validates_against_the_published_schema(tr: Transcripts) -> None:
    await _approve_year(tr)
    r = await tr.client.get(f"/transcripts/{await tr.transcript_id()}.xml", headers=tr.teacher())
    assert r.status_code == 200, r.text
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(r.content)
    assert schema.validate(document), schema.error_log
    ns = {"hb": "urn:edurecords:hoc-ba:1"}
    assert document.xpath("string(hb:profile/hb:fullName)", namespaces=ns) == "Nguyễn Thị Ánh"
    assert document.xpath("string(//hb:subject[@code='toan']/hb:year)", namespaces=ns) == "8.3"


async def test_homeroom_teacher_writes_the_comment_and_others_cannot(tr: Transcripts) -> None:
    await _approve_year(tr)
    transcript_id = await tr.transcript_id()
    url = f"/transcripts/{transcript_id}/years/{YEAR}/homeroom-comment"
    r = await tr.client.put(url, headers=tr.homeroom(), json={"text": "  Chăm ngoan,   lễ phép. "})
    assert r.status_code == 200, r.text
    assert r.json()["years"][0]["homeroom_comment"] == "Chăm ngoan, lễ phép."
    assert (await tr.events(DRAFTED))[-1]["data"]["content_sha256"] == r.json()["content_sha256"]
    for headers in (tr.homeroom(C6B1), tr.teacher(), tr.parent(), tr.principal()):
        denied = await tr.client.put(url, headers=headers, json={"text": "x"})
        assert denied.status_code == 403, denied.text
        assert denied.headers["content-type"].startswith("application/problem+json")
    missing = await tr.client.put(
        f"/transcripts/{transcript_id}/years/2019-2020/homeroom-comment", headers=tr.homeroom(), json={"text": "x"}
    )
    assert missing.status_code == 404
    assert (missing.json()["field"], missing.json()["value"]) == ("school_year", "2019-2020")
    cleared = await tr.client.put(url, headers=tr.homeroom(), json={"text": None})
    assert cleared.json()["years"][0]["homeroom_comment"] is None


async def test_who_may_read_a_transcript(tr: Transcripts) -> None:
    await _approve_year(tr)
    transcript_id = await tr.transcript_id()
    allowed = [
        tr.parent("st-1"),
        tr.bearer(Role.STUDENT, ScopeType.STUDENT, "st-1"),
        tr.homeroom(),
        tr.teacher(),
        tr.principal(),
        tr.bearer(Role.UNIT_ADMIN, ScopeType.ORG_UNIT, UNIT),
        tr.bearer(Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, "tinh"),
    ]
    for headers in allowed:
        r = await tr.client.get(f"/transcripts/{transcript_id}", headers=headers)
        assert r.status_code == 200, r.text
    denied = [
        tr.parent("st-2"),
        tr.parent("st-9"),
        tr.teacher(C6B1),
        tr.homeroom(C6B1),
        tr.principal(OTHER_SCHOOL),
    ]
    for headers in denied:
        for url in (f"/transcripts/{transcript_id}", f"/transcripts/{transcript_id}.pdf", "/students/st-1/transcripts"):
            r = await tr.client.get(url, headers=headers)
            assert r.status_code == 403, (url, r.text)
    assert (await tr.client.get(f"/transcripts/{transcript_id}")).status_code == 401
    missing = await tr.client.get("/transcripts/khong-co", headers=tr.principal())
    assert missing.status_code == 404
    assert (missing.json()["field"], missing.json()["value"]) == ("transcript_id", "khong-co")


async def test_public_verification_shows_identity_status_and_hash_only(tr: Transcripts) -> None:
    await _approve_year(tr)
    body = (await tr.client.get(f"/transcripts/{await tr.transcript_id()}", headers=tr.principal())).json()
    r = await tr.client.get(f"/verify/{body['verification_code'].lower()}")
    assert r.status_code == 200, r.text
    assert r.json() | {"updated_at": None} == {
        "transcript_id": body["id"],
        "verification_code": body["verification_code"],
        "status": "draft",
        "level": "thcs",
        "student_name": "Nguyễn Thị Ánh",
        "school_name": "Trường THCS Nguyễn Du",
        "years": [{"school_year": YEAR, "class_name": "6A1"}],
        "content_sha256": body["content_sha256"],
        "updated_at": None,
        "version": None,
        "signed_at": None,
    }
    unknown = await tr.client.get("/verify/ZZZZZZZZZZ")
    assert unknown.status_code == 404
    assert (unknown.json()["field"], unknown.json()["value"]) == ("code", "ZZZZZZZZZZ")


async def test_primary_results_draft_a_tt27_transcript(tr: Transcripts) -> None:
    await tr.publish(
        ClassOpened(
            class_id="cls-2a",
            school_id=SCHOOL,
            school_year_id="sy-2025",
            school_year=YEAR,
            grade=2,
            level=SchoolLevel.PRIMARY,
            name="2A",
        ),
        student("st-5", "Phạm Quang Minh"),
        enrolled("st-5", "cls-2a"),
    )
    result = StudentResult(
        student_id="st-5",
        full_name="Phạm Quang Minh",
        subjects=[
            SubjectResult(code="tieng_viet", name="Tiếng Việt", hk1="T", year="T", tests={"hk1": 9, "year": 10}),
            SubjectResult(code="toan", name="Toán", hk1="H", year="T", tests={"hk1": 7, "year": 8}),
        ],
        learning={},
        training={},
        outcome="len_lop",
        rule_set="tt27",
        result={"hk1": "hoan_thanh", "year": "hoan_thanh_tot"},
        qualities={"yeu_nuoc": {"hk1": "Tốt", "year": "Tốt"}},
        competences={"tu_chu_tu_hoc": {"hk1": "Đạt", "year": "Tốt"}},
        award_label="Học sinh Tiêu biểu",
    )
    await tr.publish(approved("year", [result], class_id="cls-2a"))
    transcript_id = await tr.transcript_id("st-5")
    body = (await tr.client.get(f"/transcripts/{transcript_id}", headers=tr.principal())).json()
    assert body["level"] == "tieu_hoc"
    [page] = body["years"]
    assert (page["form"], page["award"], page["education_result"]) == (
        "tt27",
        "Học sinh Tiêu biểu",
        {"hk1": "hoan_thanh", "year": "hoan_thanh_tot"},
    )
    assert page["subjects"][0]["tests"] == {"hk1": 9, "year": 10}
    assert page["qualities"] == {"yeu_nuoc": {"hk1": "Tốt", "year": "Tốt"}}
    r = await tr.client.get(f"/transcripts/{transcript_id}.pdf", headers=tr.principal())
    assert r.status_code == 200


async def test_a_new_principal_is_printed_on_the_schools_transcripts(tr: Transcripts) -> None:
    await _approve_year(tr)
    transcript_id = await tr.transcript_id()
    await tr.publish(
        StaffProfileChanged(
            staff_id="staff-ht",
            school_id=SCHOOL,
            family_name="Phạm",
            middle_name="Văn",
            given_name="Hùng",
            full_name="Phạm Văn Hùng",
            title="giao_vien",
            status="active",
            changed=["title"],
        )
    )
    body = (await tr.client.get(f"/transcripts/{transcript_id}", headers=tr.principal())).json()
    assert body["years"][0]["principal_name"] is None
    await tr.publish(staff("staff-ht2", "Võ Thị Kim", title="hieu_truong"))
    body = (await tr.client.get(f"/transcripts/{transcript_id}", headers=tr.principal())).json()
    assert body["years"][0]["principal_name"] == "Võ Thị Kim"
    assert body["years"][0]["signers"][-2] == {
        "role": "principal",
        "field_name": "Sig_2025_2026_HieuTruong",
        "name": "Võ Thị Kim",
        "staff_id": "staff-ht2",
        "subject_code": None,
    }


async def test_a_transfer_moves_the_year_page_to_the_receiving_school(tr: Transcripts) -> None:
    await _approve_year(tr)
    transcript_id = await tr.transcript_id()
    await tr.publish(
        StudentTransferred(
            transfer_id="tf-1",
            student_id="st-1",
            from_school_id=SCHOOL,
            from_enrollment_id="en-st-1",
            from_class_id=C6A1,
            to_school_id=OTHER_SCHOOL,
            to_enrollment_id="en-st-1-b",
            to_class_id=C6B1,
            school_year_id="sy-2025",
            starts_on=date(2026, 1, 5),
            student=student("st-1", "Nguyễn Thị Ánh", school_id=OTHER_SCHOOL).student,
        ),
        key=OTHER_SCHOOL,
    )
    body = (await tr.client.get(f"/transcripts/{transcript_id}", headers=tr.principal(OTHER_SCHOOL))).json()
    assert (body["school_id"], body["school_name"]) == (OTHER_SCHOOL, "Trường THCS Lê Lợi")
    [page] = body["years"]
    assert (page["class_name"], page["principal_name"], page["subjects"][0]["hk1"]) == ("6B1", None, None)
    # The sending school keeps reading what it recorded: the student was in its class that year.
    assert (await tr.client.get(f"/transcripts/{transcript_id}", headers=tr.principal())).status_code == 200
