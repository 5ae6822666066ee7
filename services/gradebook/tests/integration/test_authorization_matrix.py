"""Authorization matrix: every gradebook endpoint, sent valid by its legitimate actor and by each outsider.

One row per operation of the API. Each row's request is valid (the resources it names exist, created first by the
right insiders through the API, and its body passes validation), so an outsider's answer can only come from the
authorization check: it must be 403 `permission-denied`, never 404, 422 or 2xx, and the denial must be logged
("access denied", naming the user). The legitimate actor then sends the same request and gets a 2xx, so the matrix
cannot pass by everything being broken. An operation added without a row fails the coverage test.

Rows that read a resource by id (a lock, a correction, an approval, a discipline record, an exemption, an
inspection window) look it up before authorizing, because the scope to check is the resource's own school or
class: an unknown id answers 404 to anyone. That is accepted: the ids are random UUIDs, and the 404 names only
the id the caller sent, never the school, class or student behind an existing one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.contracts.identity import OrgUnitKind, OrgUnitRegistered, SchoolLevel, SchoolRegistered
from edu_shared.contracts.identity_people import (
    CatalogueSubject,
    ClassSubjectsSet,
    StudentEnrolled,
    StudentRegistered,
    StudentSnapshot,
)
from gradebook.bootstrap import build, create_app
from gradebook.config import GradebookSettings
from gradebook.testing import C6A1, C6A2, GDTC, SCHOOL, TOAN, YEAR_ID, Gradebook

OTHER_SCHOOL = "sch-2"
SO, XA_A, XA_B = "so", "xa-a", "xa-b"  # the seeded school sits under xa-a; the other school under xa-b
SHEET = f"/classes/{C6A1}/subjects/toan/semesters/1"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Operations nobody needs a grant for: the probe and the public directory of schools.
PUBLIC = {"GET /healthz", "GET /directory/schools"}

# Five more scored subjects, so the year has learning results to settle: st-1 owes summer training, st-3 a retest.
OTHER_SUBJECTS = {
    "van": "Ngữ văn",
    "anh": "Ngoại ngữ 1",
    "khtn": "Khoa học tự nhiên",
    "lsdl": "Lịch sử và Địa lí",
    "gdcd": "Giáo dục công dân",
}

# name → (role, scope type, scope id); the username is the name, so every actor has its own `sub`.
ACTORS: dict[str, tuple[Role, ScopeType, str]] = {
    # insiders
    "gv.toan.6a1": (Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{C6A1}:toan"),
    "gvcn.6a1": (Role.HOMEROOM_TEACHER, ScopeType.CLASS, C6A1),
    "hieutruong": (Role.PRINCIPAL, ScopeType.SCHOOL, SCHOOL),
    "giamthi": (Role.SUPERVISOR, ScopeType.SCHOOL, SCHOOL),
    "phuhuynh.st1": (Role.PARENT, ScopeType.STUDENT, "st-1"),
    "admin.xa-a": (Role.UNIT_ADMIN, ScopeType.ORG_UNIT, XA_A),
    **{f"gv.{c}.6a1": (Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{C6A1}:{c}") for c in OTHER_SUBJECTS},
    # outsiders
    "gv.toan.6a2": (Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{C6A2}:toan"),
    "gv.gdtc.6a1": (Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{C6A1}:gdtc"),
    "gvcn.6a2": (Role.HOMEROOM_TEACHER, ScopeType.CLASS, C6A2),
    "phuhuynh.st4": (Role.PARENT, ScopeType.STUDENT, "st-4"),
    "phuhuynh.st2": (Role.PARENT, ScopeType.STUDENT, "st-2"),
    "hieutruong.sch2": (Role.PRINCIPAL, ScopeType.SCHOOL, OTHER_SCHOOL),
    "admin.xa-b": (Role.UNIT_ADMIN, ScopeType.ORG_UNIT, XA_B),
}
TEACHER, HOMEROOM, PRINCIPAL, SUPERVISOR, PARENT, UNIT_ADMIN = (
    "gv.toan.6a1",
    "gvcn.6a1",
    "hieutruong",
    "giamthi",
    "phuhuynh.st1",
    "admin.xa-a",
)
# Everyone without business in the sheet, class or school of the row: a teacher of the same subject in 6A2, a
# teacher of another subject in 6A1, the homeroom teacher of 6A2, a parent of a 6A2 student, a parent of a 6A1
# student (a class-wide read or any write is not a parent's business), the other school's principal, the admin of
# another commune, and the school's supervisor (who keeps attendance and discipline only). On a read of one
# student's records, that student's parent is the legitimate actor and a classmate's parent is the outsider.
OUTSIDERS = (
    "gv.toan.6a2",
    "gv.gdtc.6a1",
    "gvcn.6a2",
    "phuhuynh.st4",
    PARENT,
    "hieutruong.sch2",
    "admin.xa-b",
    SUPERVISOR,
)
Ctx = dict[str, Any]


@dataclass(frozen=True)
class Row:
    """One operation: the request (path and body may use ids created earlier), who may send it, who may not."""

    operation: str  # "METHOD /openapi/path/{template}"
    path: str  # the concrete path; `{name}` fields come from the scenario's context
    actor: str
    json: Any = None
    params: dict[str, str] | None = None
    content: Callable[[Ctx], bytes] | None = None
    content_type: str | None = None
    outsiders: tuple[str, ...] = OUTSIDERS
    status: int = 200
    keep: str | None = None  # store the response's `id` under this context name

    @property
    def method(self) -> str:
        return self.operation.split(" ", 1)[0]


def _but(*allowed: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(o for o in OUTSIDERS if o not in allowed) + extra


STUDENT_READ = _but(PARENT, SUPERVISOR, extra=("phuhuynh.st2",))


SHEET_OP = "/classes/{class_id}/subjects/{subject_code}/semesters/{semester}"
SCORES = [
    {"student_id": sid, "column": column, "value": value}
    for sid, value in (("st-1", "6"), ("st-2", "9"), ("st-3", "2"))
    for column in ("TX1", "TX2", "TX3", "TX4", "GK", "CK")
]
CALENDAR = {
    "semesters": [
        {
            "semester": 1,
            "starts_on": "2026-09-05",
            "mid_on": "2026-11-01",
            "exam_starts_on": "2026-12-22",
            "ends_on": "2027-01-16",
        },
        {
            "semester": 2,
            "starts_on": "2027-01-18",
            "mid_on": "2027-03-20",
            "exam_starts_on": "2027-05-10",
            "ends_on": "2027-05-25",
        },
    ]
}
ROLL_DAY = "2025-10-06"  # a Monday of the seeded school year


def _later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


# In scenario order: a row's resources come from the rows and setup steps before it.
ROWS: list[Row] = [
    # Score sheets (the 6A1 Toán teacher)
    Row(f"PUT {SHEET_OP}/scores", f"{SHEET}/scores", TEACHER, json={"entries": SCORES}),
    Row(f"GET {SHEET_OP}/scores", f"{SHEET}/scores", TEACHER),
    Row(f"GET {SHEET_OP}/history", f"{SHEET}/history", TEACHER),
    Row(
        f"PUT {SHEET_OP}/comments",
        f"{SHEET}/comments",
        TEACHER,
        json={"entries": [{"student_id": "st-1", "text": "Chăm chỉ, cần cẩn thận hơn khi tính toán."}]},
    ),
    Row(f"GET {SHEET_OP}/comments", f"{SHEET}/comments", TEACHER),
    Row(f"GET {SHEET_OP}/sheet.xlsx", f"{SHEET}/sheet.xlsx", TEACHER),
    Row(f"PUT {SHEET_OP}/sheet.xlsx", f"{SHEET}/sheet.xlsx", TEACHER, content=lambda c: c["xlsx"], content_type=XLSX),
    Row(f"PUT {SHEET_OP}/tests/{{column}}", f"{SHEET}/tests/GK", TEACHER, json={"held_on": "2025-10-20"}),
    Row(f"GET {SHEET_OP}/tests", f"{SHEET}/tests", TEACHER),
    Row(f"GET {SHEET_OP}/print.pdf", f"{SHEET}/print.pdf", TEACHER),
    # Calendar and entry progress (the principal). The calendar is set for the next year: this year's correction
    # cut-off must not refuse the corrections filed below.
    Row(
        "PUT /schools/{school_id}/calendars/{school_year}",
        f"/schools/{SCHOOL}/calendars/2026-2027",
        PRINCIPAL,
        json=CALENDAR,
    ),
    # Every member of the school reads its calendar (school.read held over the school or over anything in it):
    # only those outside the school are outsiders here.
    Row(
        "GET /schools/{school_id}/calendars/{school_year}",
        f"/schools/{SCHOOL}/calendars/2026-2027",
        PRINCIPAL,
        outsiders=("phuhuynh.st4", PARENT, "hieutruong.sch2", "admin.xa-b"),
    ),
    Row(
        "GET /schools/{school_id}/entry-progress",
        f"/schools/{SCHOOL}/entry-progress",
        PRINCIPAL,
        params={"school_year": "2025-2026"},
    ),
    Row(
        "GET /schools/{school_id}/entry-deadlines",
        f"/schools/{SCHOOL}/entry-deadlines",
        PRINCIPAL,
        params={"school_year": "2026-2027"},
    ),
    # Locks (the principal; on 6A2, so 6A1's year goes on) and inspection windows (the commune's admin; scheduled
    # far ahead, so nothing is read-only meanwhile). The school's own principal cannot end an inspection.
    Row(
        "POST /locks",
        "/locks",
        PRINCIPAL,
        status=201,
        keep="lock",
        json={"scope": "column", "class_id": C6A2, "subject_code": "toan", "semester": 1, "column": "TX1"},
    ),
    Row("GET /locks", "/locks", PRINCIPAL, params={"school_id": SCHOOL}),
    Row("DELETE /locks/{lock_id}", "/locks/{lock}", PRINCIPAL),
    Row(
        "POST /inspection-windows",
        "/inspection-windows",
        UNIT_ADMIN,
        status=201,
        keep="window",
        json={"org_unit_id": XA_A, "starts_at": _later(300), "ends_at": _later(301), "reason": "Kiểm tra hồ sơ"},
        outsiders=OUTSIDERS + (PRINCIPAL,),
    ),
    Row(
        "DELETE /inspection-windows/{window_id}",
        "/inspection-windows/{window}",
        UNIT_ADMIN,
        outsiders=OUTSIDERS + (PRINCIPAL,),
    ),
    # Attendance (the supervisor takes the roll; reading one student's: their parent)
    Row(
        "PUT /classes/{class_id}/attendance",
        f"/classes/{C6A1}/attendance",
        SUPERVISOR,
        outsiders=_but(SUPERVISOR),
        json={"date": ROLL_DAY, "session": "sang", "semester": 1, "marks": [{"student_id": "st-1", "status": "P"}]},
    ),
    Row(
        "GET /classes/{class_id}/attendance",
        f"/classes/{C6A1}/attendance",
        HOMEROOM,
        outsiders=_but(SUPERVISOR),
        params={"date": ROLL_DAY},
    ),
    Row(
        "GET /classes/{class_id}/students/{student_id}/attendance",
        f"/classes/{C6A1}/students/st-1/attendance",
        PARENT,
        outsiders=STUDENT_READ,
    ),
    Row("GET /students/{student_id}/scores", "/students/st-1/scores", PARENT, outsiders=STUDENT_READ),
    # Conduct (the homeroom teacher)
    Row(
        "PUT /classes/{class_id}/conduct/semesters/{semester}",
        f"/classes/{C6A1}/conduct/semesters/1",
        HOMEROOM,
        json={
            "entries": [
                {"student_id": s, "training": t} for s, t in (("st-1", "Đạt"), ("st-2", "Tốt"), ("st-3", "Khá"))
            ]
        },
    ),
    Row("GET /classes/{class_id}/conduct", f"/classes/{C6A1}/conduct", HOMEROOM),
    # Discipline and rewards (the supervisor records, the principal revokes)
    Row(
        "POST /classes/{class_id}/discipline",
        f"/classes/{C6A1}/discipline",
        SUPERVISOR,
        outsiders=_but(SUPERVISOR),
        status=201,
        keep="record",
        json={"student_id": "st-2", "kind": "reward", "level": "lop", "date": ROLL_DAY, "content": "Nhặt được của rơi"},
    ),
    Row("GET /classes/{class_id}/discipline", f"/classes/{C6A1}/discipline", HOMEROOM, outsiders=_but(SUPERVISOR)),
    Row(
        "GET /classes/{class_id}/students/{student_id}/discipline",
        f"/classes/{C6A1}/students/st-1/discipline",
        PARENT,
        outsiders=STUDENT_READ,
    ),
    Row(
        "POST /discipline/{record_id}/revoke",
        "/discipline/{record}/revoke",
        PRINCIPAL,
        outsiders=_but(SUPERVISOR),
        json={"reason": "Nhầm học sinh"},
    ),
    # Exemptions (the principal)
    Row(
        "POST /classes/{class_id}/exemptions",
        f"/classes/{C6A1}/exemptions",
        PRINCIPAL,
        status=201,
        keep="exemption",
        json={
            "student_id": "st-2",
            "subject_code": "gdtc",
            "semester": 1,
            "reason": "Sức khỏe",
            "decision_ref": "Quyết định 12/QĐ-THCS",
        },
    ),
    Row("GET /classes/{class_id}/exemptions", f"/classes/{C6A1}/exemptions", HOMEROOM),
    Row(
        "POST /exemptions/{exemption_id}/revoke",
        "/exemptions/{exemption}/revoke",
        PRINCIPAL,
        json={"reason": "Đã khỏi bệnh"},
    ),
    # Class-wide results and printouts (the homeroom teacher)
    Row("GET /classes/{class_id}/results", f"/classes/{C6A1}/results", HOMEROOM),
    Row("GET /classes/{class_id}/assessment-plan", f"/classes/{C6A1}/assessment-plan", HOMEROOM),
    Row(
        "GET /classes/{class_id}/semesters/{semester}/register.pdf",
        f"/classes/{C6A1}/semesters/1/register.pdf",
        HOMEROOM,
    ),
    Row(
        "GET /classes/{class_id}/semesters/{semester}/report-cards.pdf",
        f"/classes/{C6A1}/semesters/1/report-cards.pdf",
        HOMEROOM,
    ),
    # Year end: the homeroom teacher submits, the principal returns or approves
    Row("GET /classes/{class_id}/results/{period}", f"/classes/{C6A1}/results/hk1", HOMEROOM),
    Row(
        "POST /classes/{class_id}/results/{period}/submit",
        f"/classes/{C6A1}/results/hk1/submit",
        HOMEROOM,
        status=201,
        keep="returned",
    ),
    Row(
        "POST /result-approvals/{approval_id}/return",
        "/result-approvals/{returned}/return",
        PRINCIPAL,
        json={"note": "Kiểm tra lại điểm Toán"},
    ),
    Row(
        "POST /result-approvals/{approval_id}/approve",
        "/result-approvals/{approval}/approve",
        PRINCIPAL,
        json={"note": "Đồng ý"},
    ),
    Row("GET /result-approvals", "/result-approvals", PRINCIPAL, params={"school_id": SCHOOL}),
    Row(
        "PUT /classes/{class_id}/retests",
        f"/classes/{C6A1}/retests",
        TEACHER,
        json={"entries": [{"student_id": "st-3", "subject_code": "toan", "value": "6"}]},
    ),
    Row(
        "PUT /classes/{class_id}/summer-training",
        f"/classes/{C6A1}/summer-training",
        HOMEROOM,
        json={"entries": [{"student_id": "st-1", "level": "Đạt"}]},
    ),
    # Corrections after the year locked the class: the teacher files and uploads evidence, the principal decides
    Row(
        "POST /corrections",
        "/corrections",
        TEACHER,
        status=201,
        keep="correction",
        json={
            "class_id": C6A1,
            "subject_code": "toan",
            "semester": 1,
            "student_id": "st-2",
            "column": "CK",
            "value": "9,5",
            "reason": "Cộng sai điểm bài kiểm tra cuối kì",
        },
    ),
    Row(
        "POST /corrections/{correction_id}/evidence",
        "/corrections/{correction}/evidence",
        TEACHER,
        status=201,
        content=lambda _: PDF,
        content_type="application/pdf",
    ),
    Row("GET /corrections/{correction_id}/evidence", "/corrections/{correction}/evidence", TEACHER),
    Row("GET /corrections/{correction_id}/evidence/{n}", "/corrections/{correction}/evidence/1", TEACHER),
    Row("GET /corrections", "/corrections", PRINCIPAL, params={"school_id": SCHOOL}),
    Row(
        "POST /corrections/{correction_id}/approve",
        "/corrections/{correction}/approve",
        PRINCIPAL,
        json={"note": "Đã đối chiếu bài kiểm tra"},
    ),
    Row(
        "POST /corrections/{correction_id}/reject",
        "/corrections/{rejected}/reject",
        PRINCIPAL,
        json={"note": "Không có minh chứng"},
    ),
    Row("GET /corrections/{correction_id}/record.pdf", "/corrections/{correction}/record.pdf", PRINCIPAL),
    # The audit trail (the principal; inspectors and admins above likewise)
    Row("GET /audit", "/audit", PRINCIPAL, params={"school_id": SCHOOL}),
    Row("GET /audit/verify", "/audit/verify", PRINCIPAL, params={"school_id": SCHOOL}),
    Row("GET /audit/export", "/audit/export", PRINCIPAL, params={"school_id": SCHOOL}),
]


def test_every_operation_has_a_row_in_the_matrix(tmp_path: Path) -> None:
    app = create_app(build(GradebookSettings(data_dir=tmp_path)), manage_lifespan=False)
    operations = {f"{method.upper()} {path}" for path, ops in app.openapi()["paths"].items() for method in ops} - PUBLIC
    rows = [r.operation for r in ROWS]
    assert len(rows) == len(set(rows)), "one row per operation"
    assert sorted(operations - set(rows)) == [], "operations without an authorization row"
    assert sorted(set(rows) - operations) == [], "rows for operations the API does not have"


def _headers(gb: Gradebook, actor: str) -> dict[str, str]:
    role, scope_type, scope_id = ACTORS[actor]
    return gb.bearer(role, scope_type, scope_id, username=actor)


@dataclass
class Matrix:
    gb: Gradebook
    caplog: pytest.LogCaptureFixture
    ctx: Ctx = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    last: Any = None

    def headers(self, actor: str) -> dict[str, str]:
        return _headers(self.gb, actor)

    async def send(self, row: Row, actor: str) -> Any:
        headers = self.headers(actor)
        content = None
        if row.content is not None:
            content = row.content(self.ctx)
            headers["Content-Type"] = row.content_type or "application/octet-stream"
        return await self.gb.client.request(
            row.method,
            row.path.format(**self.ctx),
            json=row.json,
            params=row.params,
            content=content,
            headers=headers,
        )

    async def check(self, row: Row) -> Any:
        """Every outsider is refused (403, logged naming them); then the legitimate actor succeeds."""
        for outsider in row.outsiders:
            self.caplog.clear()
            response = await self.send(row, outsider)
            problem = response.json() if response.headers.get("content-type", "").endswith("json") else {}
            logged = [
                r
                for r in self.caplog.records
                if r.name == "edurecords.access"
                and r.getMessage() == "access denied"
                and getattr(r, "username", None) == outsider
            ]
            if response.status_code != 403 or not str(problem.get("type", "")).endswith("/permission-denied"):
                self.failures.append(f"{row.operation} as {outsider} → {response.status_code} {response.text[:200]}")
            elif not logged:
                self.failures.append(f"{row.operation} as {outsider} → 403 but no 'access denied' logged")
        response = await self.send(row, row.actor)
        assert response.status_code == row.status, f"{row.operation} as {row.actor}: {response.text[:500]}"
        if row.keep is not None:
            self.ctx[row.keep] = response.json()["id"]
        self.done.append(row.operation)
        return response

    def row(self, operation: str) -> Row:
        (found,) = [r for r in ROWS if r.operation == operation]
        return found

    async def upto(self, operation: str) -> None:
        """Check the rows from the last one checked up to `operation`, in order."""
        stop = ROWS.index(self.row(operation))
        for row in ROWS[len(self.done) : stop + 1]:
            self.last = await self.check(row)

    async def insider(self, method: str, path: str, actor: str, json: Any = None, status: int = 200) -> Any:
        """A setup step by an insider (not itself a row of the matrix)."""
        response = await self.gb.client.request(method, path, json=json, headers=self.headers(actor))
        assert response.status_code == status, f"{method} {path}: {response.text[:500]}"
        return response.json()


async def _more_world(gb: Gradebook) -> None:
    """The org units above both schools, the other school, a student of 6A2 (the outsider parent's child), and
    6A1's full set of subjects."""
    others = [
        CatalogueSubject(code=c, name=n, periods_per_year=35, assessment="scored") for c, n in OTHER_SUBJECTS.items()
    ]
    await gb.publish(
        ClassSubjectsSet(class_id=C6A1, school_id=SCHOOL, school_year_id=YEAR_ID, subjects=[TOAN, *others, GDTC]),
        OrgUnitRegistered(org_unit_id=SO, parent_id=None, code="so", name="Sở GDĐT", kind=OrgUnitKind.DEPARTMENT),
        OrgUnitRegistered(org_unit_id=XA_A, parent_id=SO, code="xa-a", name="Xã A", kind=OrgUnitKind.COMMUNE),
        OrgUnitRegistered(org_unit_id=XA_B, parent_id=SO, code="xa-b", name="Xã B", kind=OrgUnitKind.COMMUNE),
        SchoolRegistered(
            school_id=OTHER_SCHOOL,
            org_unit_id=XA_B,
            moet_code="thcsb",
            name="Trường THCS B",
            levels=[SchoolLevel.LOWER_SECONDARY],
        ),
        StudentRegistered(
            student_id="st-4",
            school_id=SCHOOL,
            student=StudentSnapshot(
                family_name="Phạm",
                middle_name="Minh",
                given_name="Châu",
                full_name="Phạm Minh Châu",
                date_of_birth=date(2014, 5, 2),
                sex="nu",
                status="active",
            ),
        ),
        StudentEnrolled(
            enrollment_id="en-st-4",
            student_id="st-4",
            school_id=SCHOOL,
            class_id=C6A2,
            school_year_id=YEAR_ID,
            starts_on=date(2025, 9, 5),
        ),
    )


async def test_outsiders_are_denied_and_logged_on_every_endpoint_and_insiders_get_through(
    gradebook: Gradebook, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="edurecords.access")
    m = Matrix(gradebook, caplog)
    await _more_world(gradebook)
    gdtc = [
        {"student_id": sid, "column": column, "value": "Đ"}
        for sid in ("st-1", "st-2", "st-3")
        for column in ("TX1", "TX2", "TX3", "GK", "CK")
    ]

    await m.upto(f"GET {SHEET_OP}/sheet.xlsx")
    m.ctx["xlsx"] = m.last.content
    # The rest of the year's sheets, entered by their teachers.
    await m.insider("PUT", f"/classes/{C6A1}/subjects/toan/semesters/2/scores", TEACHER, {"entries": SCORES})
    for semester in (1, 2):
        await m.insider(
            "PUT", f"/classes/{C6A1}/subjects/gdtc/semesters/{semester}/scores", "gv.gdtc.6a1", {"entries": gdtc}
        )
        for subject in OTHER_SUBJECTS:
            scores = [
                {"student_id": sid, "column": column, "value": value}
                for sid, value in (("st-1", "6"), ("st-2", "9"), ("st-3", "7"))
                for column in ("TX1", "TX2", "GK", "CK")
            ]
            path = f"/classes/{C6A1}/subjects/{subject}/semesters/{semester}/scores"
            await m.insider("PUT", path, f"gv.{subject}.6a1", {"entries": scores})
    await m.upto("PUT /classes/{class_id}/conduct/semesters/{semester}")
    training = (("st-1", "Chưa đạt"), ("st-2", "Tốt"), ("st-3", "Khá"))
    conduct = {"entries": [{"student_id": s, "training": t} for s, t in training]}
    await m.insider("PUT", f"/classes/{C6A1}/conduct/semesters/2", HOMEROOM, conduct)
    await m.upto("POST /result-approvals/{approval_id}/return")
    # Returned, the semester is submitted again; the approve row decides that submission.
    m.ctx["approval"] = (await m.insider("POST", f"/classes/{C6A1}/results/hk1/submit", HOMEROOM, status=201))["id"]
    await m.upto("GET /result-approvals")
    for period in ("hk2", "year"):
        submitted = await m.insider("POST", f"/classes/{C6A1}/results/{period}/submit", HOMEROOM, status=201)
        await m.insider("POST", f"/result-approvals/{submitted['id']}/approve", PRINCIPAL, {"note": "Đồng ý"})
    await m.upto("POST /corrections")
    second = {**m.row("POST /corrections").json, "column": "TX1"}
    m.ctx["rejected"] = (await m.insider("POST", "/corrections", TEACHER, second, status=201))["id"]
    await m.upto(ROWS[-1].operation)

    assert not m.failures, "outsiders not refused:\n" + "\n".join(m.failures)
    assert m.done == [r.operation for r in ROWS], "every row was exercised"


async def test_probes_from_outside_learn_nothing_about_a_class(gradebook: Gradebook) -> None:
    # A lock or a test date naming another school's class, or a subject it does not teach, is refused before
    # the handler says anything about the class (its name, its school, its subjects).
    await _more_world(gradebook)
    probes = [
        ("POST", "/locks", "hieutruong.sch2", {"scope": "class", "class_id": C6A1, "school_id": OTHER_SCHOOL}),
        ("POST", "/locks", "hieutruong.sch2", {"scope": "class_subject", "class_id": C6A1, "subject_code": "xx"}),
        ("PUT", f"/classes/{C6A1}/subjects/xx/semesters/1/tests/GK", "gv.toan.6a2", {"held_on": "2025-10-20"}),
        ("PUT", f"/classes/{C6A1}/subjects/xx/semesters/1/tests/GK", "hieutruong.sch2", {"held_on": "2025-10-20"}),
    ]
    for method, path, actor, body in probes:
        response = await gradebook.client.request(method, path, json=body, headers=_headers(gradebook, actor))
        assert response.status_code == 403, f"{method} {path} as {actor}: {response.text}"
        assert "6A1" not in response.text
    # The school itself is told what is wrong.
    wrong_school = {"scope": "class", "class_id": C6A1, "school_id": OTHER_SCHOOL}
    refused = await gradebook.client.post("/locks", json=wrong_school, headers=_headers(gradebook, PRINCIPAL))
    assert refused.status_code == 409 and "6A1" in refused.json()["detail"]
