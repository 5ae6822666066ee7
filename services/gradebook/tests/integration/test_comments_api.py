"""Subject comments (nhận xét): the subject teacher writes them per student and semester, audited and announced."""

from __future__ import annotations

import json

import sqlalchemy as sa

from edu_shared.auth.principal import Role, ScopeType
from gradebook.testing import C6A1, C6A2, SCHOOL, Gradebook

COMMENTS = f"/classes/{C6A1}/subjects/toan/semesters/1/comments"
FIRST = "Có tiến bộ, cần rèn thêm kĩ năng tính toán."
SECOND = "Học tốt, tích cực phát biểu."


async def test_teacher_writes_changes_and_clears_comments(gradebook: Gradebook) -> None:
    teacher = gradebook.teacher()
    first = await gradebook.client.put(
        COMMENTS,
        headers=teacher,
        json={
            "entries": [
                {"student_id": "st-1", "text": "  Có tiến bộ,   cần   rèn thêm kĩ năng tính toán. "},
                {"student_id": "st-2", "text": SECOND},
            ]
        },
    )
    assert first.status_code == 200, first.text
    assert [c["new"] for c in first.json()] == [FIRST, SECOND]
    second = await gradebook.client.put(
        COMMENTS,
        headers=teacher,
        json={"entries": [{"student_id": "st-2", "text": SECOND}, {"student_id": "st-1", "text": ""}]},
    )
    assert second.json() == [{"student_id": "st-1", "old": FIRST, "new": None}]
    read = (await gradebook.client.get(COMMENTS, headers=gradebook.principal())).json()
    assert read["comments"] == {"st-2": SECOND}
    audit = (
        await gradebook.client.get(
            "/audit", headers=gradebook.principal(), params={"school_id": SCHOOL, "entity": "comment"}
        )
    ).json()["entries"]
    assert [(e["entity_id"].split(":")[-1], e["before"], e["after"]) for e in audit] == [
        ("st-1", None, FIRST),
        ("st-2", None, SECOND),
        ("st-1", FIRST, None),
    ]
    t = gradebook.service.runtime.messaging.outbox
    async with gradebook.service.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(t.c.envelope)
                .where(t.c.event_type == "vn.edurecords.gradebook.comments.recorded.v1")
                .order_by(t.c.seq)
            )
        ).all()
    assert [len(json.loads(r.envelope)["data"]["changes"]) for r in rows] == [2, 1]


async def test_bad_comments_write_nothing(gradebook: Gradebook) -> None:
    r = await gradebook.client.put(
        COMMENTS,
        headers=gradebook.teacher(),
        json={"entries": [{"student_id": "st-1", "text": "Tốt"}, {"student_id": "st-9", "text": "Ai?"}]},
    )
    assert r.status_code == 422
    assert (r.json()["field"], r.json()["value"]) == ("entries[1]", "st-9")
    too_long = await gradebook.client.put(
        COMMENTS, headers=gradebook.teacher(), json={"entries": [{"student_id": "st-1", "text": "x" * 501}]}
    )
    assert too_long.status_code == 422 and "500" in too_long.json()["detail"]
    assert (await gradebook.client.get(COMMENTS, headers=gradebook.teacher())).json()["comments"] == {}


async def test_only_the_subject_teacher_writes_and_locks_hold(gradebook: Gradebook) -> None:
    body = {"entries": [{"student_id": "st-1", "text": "Chăm chỉ."}]}
    for headers in (
        gradebook.teacher(C6A2),
        gradebook.teacher(C6A1, "gdtc"),
        gradebook.bearer(Role.HOMEROOM_TEACHER, ScopeType.CLASS, C6A1),
        gradebook.principal(),
        gradebook.bearer(Role.PARENT, ScopeType.STUDENT, "st-1"),
    ):
        assert (await gradebook.client.put(COMMENTS, headers=headers, json=body)).status_code == 403
    lock = await gradebook.client.post(
        "/locks",
        headers=gradebook.principal(),
        json={"scope": "class_subject", "class_id": C6A1, "subject_code": "toan"},
    )
    assert lock.status_code == 201, lock.text
    locked = await gradebook.client.put(COMMENTS, headers=gradebook.teacher(), json=body)
    assert locked.status_code == 409
