"""The year-end workflow through HTTP: submit, approve or return, lock, announce; then the summer round.

A grade-6 class with six scored subjects and one comment subject; three students who end the year three ways:
Anh excellent (Học sinh Xuất sắc), Bình owing a retest in Toán, Dũng owing summer training.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.contracts.identity_people import CatalogueSubject, ClassSubjectsSet
from gradebook.testing import C6A1, SCHOOL, YEAR_ID, Gradebook

SCORED = ["toan", "van", "anh", "khtn", "lsdl", "gdcd"]
NAMES = {
    "toan": "Toán",
    "van": "Ngữ văn",
    "anh": "Ngoại ngữ 1",
    "khtn": "Khoa học tự nhiên",
    "lsdl": "Lịch sử và Địa lí",
    "gdcd": "Giáo dục công dân",
}
# st-2 Anh: 9 everywhere; st-3 Bình: 7, but 2 in Toán; st-1 Dũng: 6 everywhere.
SCORE = {"st-2": lambda s: "9", "st-3": lambda s: "2" if s == "toan" else "7", "st-1": lambda s: "6"}
TRAINING = {1: {"st-1": "Đạt", "st-2": "Tốt", "st-3": "Khá"}, 2: {"st-1": "Chưa đạt", "st-2": "Tốt", "st-3": "Khá"}}


def homeroom(gb: Gradebook) -> dict[str, str]:
    return gb.bearer(Role.HOMEROOM_TEACHER, ScopeType.CLASS, C6A1, username="gvcn.6a1")


def subject_teacher(gb: Gradebook, subject: str) -> dict[str, str]:
    return gb.bearer(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{C6A1}:{subject}", username=f"gv.{subject}")


async def seven_subjects(gb: Gradebook) -> None:
    subjects = [CatalogueSubject(code=c, name=NAMES[c], periods_per_year=35, assessment="scored") for c in SCORED]
    subjects.append(CatalogueSubject(code="gdtc", name="Giáo dục thể chất", periods_per_year=70, assessment="comment"))
    await gb.publish(ClassSubjectsSet(class_id=C6A1, school_id=SCHOOL, school_year_id=YEAR_ID, subjects=subjects))


async def enter_semester(gb: Gradebook, semester: int) -> None:
    for subject in SCORED:
        entries = [
            {"student_id": sid, "column": column, "value": value(subject)}
            for sid, value in SCORE.items()
            for column in ("TX1", "TX2", "GK", "CK")
        ]
        r = await gb.client.put(
            f"/classes/{C6A1}/subjects/{subject}/semesters/{semester}/scores",
            headers=subject_teacher(gb, subject),
            json={"entries": entries},
        )
        assert r.status_code == 200, r.text
    ratings = [
        {"student_id": sid, "column": column, "value": "Đ"}
        for sid in SCORE
        for column in ("TX1", "TX2", "TX3", "GK", "CK")
    ]
    r = await gb.client.put(
        f"/classes/{C6A1}/subjects/gdtc/semesters/{semester}/scores",
        headers=subject_teacher(gb, "gdtc"),
        json={"entries": ratings},
    )
    assert r.status_code == 200, r.text


async def rate(gb: Gradebook, semester: int, ratings: dict[str, str]) -> None:
    r = await gb.client.put(
        f"/classes/{C6A1}/conduct/semesters/{semester}",
        headers=homeroom(gb),
        json={"entries": [{"student_id": sid, "training": level} for sid, level in ratings.items()]},
    )
    assert r.status_code == 200, r.text


async def submit(gb: Gradebook, period: str) -> dict[str, Any]:
    r = await gb.client.post(f"/classes/{C6A1}/results/{period}/submit", headers=homeroom(gb))
    assert r.status_code == 201, r.text
    found: dict[str, Any] = r.json()
    return found


async def approve(gb: Gradebook, approval_id: str) -> dict[str, Any]:
    r = await gb.client.post(
        f"/result-approvals/{approval_id}/approve", headers=gb.principal(), json={"note": "Đồng ý"}
    )
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


async def outbox(gb: Gradebook, event_type: str) -> list[dict[str, Any]]:
    t = gb.service.runtime.messaging.outbox
    async with gb.service.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.c.envelope).where(t.c.event_type == event_type).order_by(t.c.seq))).all()
    return [json.loads(r.envelope)["data"] for r in rows]


async def test_nothing_is_submitted_while_results_are_missing(gradebook: Gradebook) -> None:
    await seven_subjects(gradebook)
    preview = (await gradebook.client.get(f"/classes/{C6A1}/results/hk1", headers=homeroom(gradebook))).json()
    assert preview["complete"] is False and preview["students"] == []
    assert "Nguyễn Thị Anh: môn Toán học kì 1 thiếu TX1, TX2, GK, CK" in preview["missing"]
    assert "Nguyễn Thị Anh: chưa đánh giá kết quả rèn luyện học kì 1" in preview["missing"]
    r = await gradebook.client.post(f"/classes/{C6A1}/results/hk1/submit", headers=homeroom(gradebook))
    assert r.status_code == 409
    assert r.json()["missing_count"] == len(preview["missing"])
    year = await gradebook.client.post(f"/classes/{C6A1}/results/year/submit", headers=homeroom(gradebook))
    assert year.status_code == 409 and "chưa được hiệu trưởng phê duyệt" in year.json()["detail"]


async def test_semester_approval_locks_the_semester_and_announces_the_results(gradebook: Gradebook) -> None:
    await seven_subjects(gradebook)
    await enter_semester(gradebook, 1)
    await rate(gradebook, 1, TRAINING[1])
    # Only the homeroom teacher submits; only the principal approves.
    denied = await gradebook.client.post(
        f"/classes/{C6A1}/results/hk1/submit", headers=subject_teacher(gradebook, "toan")
    )
    assert denied.status_code == 403
    submitted = await submit(gradebook, "hk1")
    assert (submitted["status"], submitted["students"]) == ("submitted", 3)
    again = await gradebook.client.post(f"/classes/{C6A1}/results/hk1/submit", headers=homeroom(gradebook))
    assert again.status_code == 409
    for headers in (
        homeroom(gradebook),
        gradebook.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, "sch-other"),
        gradebook.bearer(Role.PARENT, ScopeType.STUDENT, "st-1"),
    ):
        r = await gradebook.client.post(f"/result-approvals/{submitted['id']}/approve", headers=headers, json={})
        assert r.status_code == 403
    queue = (
        await gradebook.client.get(
            "/result-approvals", headers=gradebook.principal(), params={"school_id": SCHOOL, "status": "submitted"}
        )
    ).json()
    assert [a["id"] for a in queue] == [submitted["id"]]
    approved = await approve(gradebook, submitted["id"])
    assert (approved["status"], approved["decided_by"]) == ("approved", "hieutruong")

    # The semester is closed: scores of semester 1 are refused; semester 2 is still open.
    closed = await gradebook.client.put(
        f"/classes/{C6A1}/subjects/toan/semesters/1/scores",
        headers=subject_teacher(gradebook, "toan"),
        json={"entries": [{"student_id": "st-1", "column": "TX1", "value": "10"}]},
    )
    assert closed.status_code == 409
    open_ = await gradebook.client.put(
        f"/classes/{C6A1}/subjects/toan/semesters/2/scores",
        headers=subject_teacher(gradebook, "toan"),
        json={"entries": [{"student_id": "st-1", "column": "TX1", "value": "10"}]},
    )
    assert open_.status_code == 200
    frozen = await gradebook.client.put(
        f"/classes/{C6A1}/conduct/semesters/1",
        headers=homeroom(gradebook),
        json={"entries": [{"student_id": "st-1", "training": "Tốt"}]},
    )
    assert frozen.status_code == 409 and "đã được hiệu trưởng phê duyệt" in frozen.json()["detail"]
    (event,) = await outbox(gradebook, "vn.edurecords.gradebook.results.approved.v1")
    by_student = {s["student_id"]: s for s in event["students"]}
    assert (event["period"], event["class_id"], event["snapshot_hash"]) == ("hk1", C6A1, submitted["snapshot_hash"])
    assert by_student["st-2"]["learning"] == {"hk1": "Tốt"} and by_student["st-2"]["training"] == {"hk1": "Tốt"}
    assert by_student["st-3"]["learning"] == {"hk1": "Chưa đạt"}
    assert by_student["st-1"]["learning"] == {"hk1": "Đạt"}
    toan = next(s for s in by_student["st-3"]["subjects"] if s["code"] == "toan")
    assert toan["hk1"] == 2.0
    actions = [
        e["action"]
        for e in (
            await gradebook.client.get(
                "/audit", headers=gradebook.principal(), params={"school_id": SCHOOL, "entity": "results"}
            )
        ).json()["entries"]
    ]
    assert actions == ["results.submitted", "results.approved"]


async def test_year_end_lists_then_the_summer_round_settle_every_promotion(gradebook: Gradebook) -> None:
    await seven_subjects(gradebook)
    for semester in (1, 2):
        await enter_semester(gradebook, semester)
        await rate(gradebook, semester, TRAINING[semester])
        await approve(gradebook, (await submit(gradebook, f"hk{semester}"))["id"])

    preview = (await gradebook.client.get(f"/classes/{C6A1}/results/year", headers=homeroom(gradebook))).json()
    rows = {s["student_id"]: s for s in preview["students"]}
    assert (rows["st-2"]["outcome"], rows["st-2"]["award"]) == ("len_lop", "xuat_sac")
    assert (rows["st-3"]["outcome"], rows["st-3"]["retest_subjects"]) == ("kiem_tra_lai", ["toan"])
    assert (rows["st-1"]["outcome"], rows["st-1"]["training"]["year"]) == ("ren_luyen_he", "Chưa đạt")
    assert "6" in rows["st-3"]["explanations"]["learning.year"] or rows["st-3"]["explanations"]["learning.year"]

    # Returned (the reason is required), then resubmitted and approved.
    first = await submit(gradebook, "year")
    no_reason = await gradebook.client.post(
        f"/result-approvals/{first['id']}/return", headers=gradebook.principal(), json={}
    )
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "note"
    returned = await gradebook.client.post(
        f"/result-approvals/{first['id']}/return",
        headers=gradebook.principal(),
        json={"note": "Kiểm tra lại điểm Toán"},
    )
    assert returned.json()["status"] == "returned"
    second = await submit(gradebook, "year")
    await approve(gradebook, second["id"])
    decided = await outbox(gradebook, "vn.edurecords.gradebook.promotion.decided.v1")
    assert [(d["student_id"], d["outcome"], d["school_year_id"]) for d in decided] == [("st-2", "promoted", YEAR_ID)]

    # Summer round: only the owed retest and summer training are accepted, by the right teachers.
    wrong = await gradebook.client.put(
        f"/classes/{C6A1}/retests",
        headers=subject_teacher(gradebook, "van"),
        json={"entries": [{"student_id": "st-3", "subject_code": "van", "value": "8"}]},
    )
    assert wrong.status_code == 422
    not_owed = await gradebook.client.put(
        f"/classes/{C6A1}/retests",
        headers=subject_teacher(gradebook, "toan"),
        json={"entries": [{"student_id": "st-2", "subject_code": "toan", "value": "8"}]},
    )
    assert not_owed.status_code == 422 and "không có tên trong danh sách kiểm tra lại" in not_owed.json()["detail"]
    bad_score = await gradebook.client.put(
        f"/classes/{C6A1}/retests",
        headers=subject_teacher(gradebook, "toan"),
        json={"entries": [{"student_id": "st-3", "subject_code": "toan", "value": "11"}]},
    )
    assert bad_score.status_code == 422
    early = await gradebook.client.post(f"/classes/{C6A1}/results/retest/submit", headers=homeroom(gradebook))
    assert early.status_code == 409
    assert "Trần Văn Dũng: chưa có kết quả rèn luyện hè" in early.json()["missing"]
    r = await gradebook.client.put(
        f"/classes/{C6A1}/retests",
        headers=subject_teacher(gradebook, "toan"),
        json={"entries": [{"student_id": "st-3", "subject_code": "toan", "value": "6,5"}]},
    )
    assert r.status_code == 200, r.text
    r = await gradebook.client.put(
        f"/classes/{C6A1}/summer-training",
        headers=homeroom(gradebook),
        json={"entries": [{"student_id": "st-1", "level": "Đạt"}]},
    )
    assert r.status_code == 200, r.text
    summer = await submit(gradebook, "retest")
    await approve(gradebook, summer["id"])
    decided = await outbox(gradebook, "vn.edurecords.gradebook.promotion.decided.v1")
    assert sorted((d["student_id"], d["outcome"]) for d in decided) == [
        ("st-1", "promoted"),
        ("st-2", "promoted"),
        ("st-3", "promoted"),
    ]
    closed = await gradebook.client.put(
        f"/classes/{C6A1}/retests",
        headers=subject_teacher(gradebook, "toan"),
        json={"entries": [{"student_id": "st-3", "subject_code": "toan", "value": "9"}]},
    )
    assert closed.status_code == 409


async def test_assessment_plan_follows_the_rule_set_and_periods(gradebook: Gradebook) -> None:
    await seven_subjects(gradebook)
    r = await gradebook.client.get(f"/classes/{C6A1}/assessment-plan", headers=homeroom(gradebook))
    assert r.status_code == 200, r.text
    plan = r.json()
    assert (plan["rule_set"], plan["grade"], plan["school_year"]) == ("TT22/2021", 6, "2025-2026")
    subjects = {s["code"]: s for s in plan["subjects"]}
    assert [c["code"] for c in subjects["toan"]["semester1"]] == ["TX1", "TX2", "GK", "CK"]  # 35 periods → 2 TX
    assert {c["accepts"] for c in subjects["toan"]["semester2"]} == {"score"}
    gdtc = subjects["gdtc"]
    assert [c["code"] for c in gdtc["semester1"]] == ["TX1", "TX2", "TX3", "GK", "CK"]  # 70 periods → 3 TX
    assert {c["accepts"] for c in gdtc["semester1"]} == {"rating"}
