"""Use cases of the reports (DOMAIN §6): resolve and authorize the scope, sum the aggregates, shape the rows.

Every report respects scope: a school sees itself, a unit the schools in its subtree, the Sở everything. The
caller's REPORT_READ grant is checked against the scope through the directory lineage, like every other service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from edu_shared.auth.permissions import Permission, ScopeResolver, authorize
from edu_shared.auth.principal import CurrentUserClaims, ScopeType
from edu_shared.errors import InvalidInput, NotFound
from reporting.adapters import orm
from reporting.adapters import reports_repo as repo
from reporting.domain.marks import KINDS, merge_buckets, rate, score_buckets
from reporting.domain.report import LEVEL_LABELS, Column, Report, with_rates
from reporting.domain.scope import ReportScope, schools_under
from reporting.service_layer.uow import ReportingUnitOfWork

PROVINCE_SCOPE_ID = "province"
MINORITY_EXCLUDED = frozenset({"", "Kinh"})


@dataclass(frozen=True)
class ReportQuery:
    """What a report is asked for; only the fields a report uses matter to it."""

    report: str
    school_year: str
    school_id: str | None = None
    org_unit_id: str | None = None
    class_id: str | None = None
    semester: int = 1
    period: str = "year"
    level: str | None = None
    subject_code: str | None = None
    grade: int | None = None
    kind: str | None = None
    width: Decimal = Decimal("0.5")
    group: str = "grade"


@dataclass(frozen=True)
class Caller:
    user: CurrentUserClaims
    resolver: ScopeResolver


async def resolve_scope(
    uow: ReportingUnitOfWork,
    caller: Caller | None,
    *,
    school_id: str | None,
    org_unit_id: str | None,
    class_id: str | None = None,
) -> ReportScope:
    """The schools the report covers, after checking REPORT_READ over them (a class: over the class).

    `caller` None skips the check: only for a background export whose request was checked when it was made.
    """

    async def check(target: tuple[ScopeType, str]) -> None:
        if caller is not None:
            await authorize(caller.user, Permission.REPORT_READ, target, resolver=caller.resolver)

    if school_id is not None and org_unit_id is not None:
        raise InvalidInput(
            "Chỉ chọn một phạm vi: trường (school_id) hoặc đơn vị (org_unit_id).",
            field="org_unit_id",
            value=org_unit_id,
        )
    # The check runs before this unit of work reads anything: on SQLite its first read opens the write
    # transaction, and the resolver's own session would then wait for it.
    if class_id is not None:
        await check((ScopeType.CLASS, class_id))
        cls = await repo.class_row(uow.session, class_id)
        if cls is None:
            raise NotFound(f"Không tìm thấy lớp {class_id}.", field="class_id", value=class_id)
        return ReportScope(kind="class", id=class_id, school_ids=frozenset({cls.school_id}))
    if school_id is not None:
        await check((ScopeType.SCHOOL, school_id))
        return ReportScope(kind="school", id=school_id, school_ids=frozenset({school_id}))
    if org_unit_id is not None:
        await check((ScopeType.ORG_UNIT, org_unit_id))
        units, schools = await repo.org_tree(uow.session)
        return ReportScope(kind="org_unit", id=org_unit_id, school_ids=schools_under(org_unit_id, units, schools))
    await check((ScopeType.PROVINCE, PROVINCE_SCOPE_ID))
    return ReportScope(kind="province", id=PROVINCE_SCOPE_ID, school_ids=None)


async def _scope_label(uow: ReportingUnitOfWork, scope: ReportScope) -> str:
    if scope.kind == "school":
        names = await repo.school_names(uow.session, [scope.id])
        return names.get(scope.id, scope.id)
    if scope.kind == "class":
        cls = await repo.class_row(uow.session, scope.id)
        return f"Lớp {cls.name}" if cls is not None else scope.id
    if scope.kind == "org_unit":
        units = await uow.session.execute(
            orm.directory.org_units.select().where(orm.directory.org_units.c.id == scope.id)
        )
        unit = units.first()
        return unit.name if unit is not None else scope.id
    return "Toàn tỉnh"


def _group_key(group: str) -> tuple[list[str], Column]:
    if group == "school":
        return ["school_id"], Column("school", "Trường", "text")
    if group == "grade":
        return ["level", "grade"], Column("grade", "Khối", "text")
    raise InvalidInput(f"Cách nhóm '{group}' không hợp lệ: grade hoặc school.", field="group", value=group)


async def _label_rows(
    uow: ReportingUnitOfWork, keys: list[tuple[Any, ...]], group: str
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The label cells of each group key: the school's name, or the level and grade."""
    if group == "school":
        names = await repo.school_names(uow.session, [k[0] for k in keys])
        return {k: {"school_id": k[0], "school": names.get(k[0], k[0])} for k in keys}
    return {k: {"level": LEVEL_LABELS.get(k[0], k[0]), "grade": f"Khối {k[1]}"} for k in keys}


# --- the reports -------------------------------------------------------------------------------------------


async def enrolment(q: ReportQuery, uow: ReportingUnitOfWork, scope: ReportScope) -> Report:
    """Thống kê đầu năm: classes and students by level and grade (or school), girls, ethnic minorities."""
    by, label = _group_key(q.group)
    counts = await repo.grouped_sum(
        uow.session,
        orm.enrolment_counts,
        by=[*by, "sex", "ethnicity"],
        scope=scope,
        where=[orm.enrolment_counts.c.school_year == q.school_year],
    )
    classes = {
        tuple(r[:-1]): int(r.n)
        for r in await repo.class_counts(uow.session, scope=scope, school_year=q.school_year, by=by)
    }
    rows: dict[tuple[Any, ...], dict[str, int]] = {}
    for r in counts:
        key = tuple(r[: len(by)])
        row = rows.setdefault(key, {"students": 0, "girls": 0, "minority": 0, "minority_girls": 0})
        n = int(r.n)
        row["students"] += n
        girl = r.sex == "nu"
        minority = r.ethnicity not in MINORITY_EXCLUDED
        row["girls"] += n if girl else 0
        row["minority"] += n if minority else 0
        row["minority_girls"] += n if girl and minority else 0
    keys = sorted(set(rows) | set(classes))
    labels = await _label_rows(uow, keys, q.group)
    columns = [
        *([Column("level", "Cấp học", "text")] if q.group == "grade" else []),
        label,
        Column("classes", "Số lớp"),
        Column("students", "Số học sinh"),
        Column("girls", "Học sinh nữ"),
        Column("minority", "Học sinh dân tộc thiểu số"),
        Column("minority_girls", "Nữ dân tộc thiểu số"),
    ]
    report = Report(
        name="enrolment",
        title="THỐNG KÊ ĐẦU NĂM HỌC",
        subtitle=f"Năm học {q.school_year}",
        scope_label=await _scope_label(uow, scope),
        columns=columns,
    )
    for key in keys:
        row = rows.get(key, {"students": 0, "girls": 0, "minority": 0, "minority_girls": 0})
        report.rows.append({**labels[key], "classes": classes.get(key, 0), **row})
    return report


async def ethnicity(q: ReportQuery, uow: ReportingUnitOfWork, scope: ReportScope) -> Report:
    """Students by ethnicity (dân tộc) and sex."""
    t = orm.enrolment_counts
    counts = await repo.grouped_sum(
        uow.session, t, by=["ethnicity", "sex"], scope=scope, where=[t.c.school_year == q.school_year]
    )
    rows: dict[str, dict[str, Any]] = {}
    for r in counts:
        name = r.ethnicity or "Chưa khai báo"
        row = rows.setdefault(name, {"ethnicity": name, "students": 0, "girls": 0})
        row["students"] += int(r.n)
        row["girls"] += int(r.n) if r.sex == "nu" else 0
    report = Report(
        name="ethnicity",
        title="HỌC SINH THEO DÂN TỘC",
        subtitle=f"Năm học {q.school_year}",
        scope_label=await _scope_label(uow, scope),
        columns=[Column("ethnicity", "Dân tộc", "text"), Column("students", "Số học sinh"), Column("girls", "Nữ")],
    )
    report.rows = sorted(rows.values(), key=lambda r: (-r["students"], r["ethnicity"]))
    return report


_TT22_LEVELS = ("Tốt", "Khá", "Đạt", "Chưa đạt")
_TT27_RESULTS = (
    ("hoan_thanh_xuat_sac", "Hoàn thành xuất sắc"),
    ("hoan_thanh_tot", "Hoàn thành tốt"),
    ("hoan_thanh", "Hoàn thành"),
    ("chua_hoan_thanh", "Chưa hoàn thành"),
)
_OUTCOMES = (
    ("len_lop", "Lên lớp"),
    ("kiem_tra_lai", "Kiểm tra lại"),
    ("ren_luyen_he", "Rèn luyện hè"),
    ("o_lai_lop", "Ở lại lớp"),
)
_AWARDS = (("xuat_sac", "HS Xuất sắc"), ("gioi", "HS Giỏi"))


async def quality(q: ReportQuery, uow: ReportingUnitOfWork, scope: ReportScope) -> Report:
    """Chất lượng cuối năm (or a semester): learning and training levels, promotion, awards — with rates."""
    if q.period not in ("hk1", "hk2", "year", "retest"):
        raise InvalidInput(f"Kì '{q.period}' không hợp lệ: hk1, hk2, year hoặc retest.", field="period", value=q.period)
    by, label = _group_key(q.group)
    t = orm.quality_counts
    where = [t.c.school_year == q.school_year, t.c.period == q.period]
    if q.level is not None:
        where.append(t.c.level == q.level)
    counts = await repo.grouped_sum(uow.session, t, by=[*by, "dimension", "value"], scope=scope, where=where)
    primary = q.level == "tieu_hoc"
    cells: dict[tuple[Any, ...], dict[str, int]] = {}
    for r in counts:
        found = cells.setdefault(tuple(r[: len(by)]), {})
        name = f"{r.dimension}:{r.value}"
        found[name] = found.get(name, 0) + int(r.n)
    columns: list[Column] = [*([Column("level", "Cấp học", "text")] if q.group == "grade" else []), label]
    columns.append(Column("students", "Số HS được đánh giá"))
    measures: list[tuple[str, str, str]] = []  # (column key, label, "dimension:value")
    if primary:
        measures += [(f"result_{v}", text, f"result:{v}") for v, text in _TT27_RESULTS]
    else:
        measures += [(f"learning_{i}", f"Học tập {v}", f"learning:{v}") for i, v in enumerate(_TT22_LEVELS)]
        measures += [(f"training_{i}", f"Rèn luyện {v}", f"training:{v}") for i, v in enumerate(_TT22_LEVELS)]
        measures += [(f"outcome_{v}", text, f"outcome:{v}") for v, text in _OUTCOMES]
    measures += [(f"award_{v}", text, f"award:{v}") for v, text in _AWARDS]
    for measure, text, _ in measures:
        columns += [Column(measure, text), Column(f"{measure}_rate", "Tỉ lệ %", "rate")]
    keys = sorted(cells)
    labels = await _label_rows(uow, keys, q.group)
    report = Report(
        name="quality",
        title="BÁO CÁO CHẤT LƯỢNG GIÁO DỤC"
        + (f" — {LEVEL_LABELS[q.level].upper()}" if q.level in LEVEL_LABELS else ""),
        subtitle=f"Năm học {q.school_year}, kì {q.period}",
        scope_label=await _scope_label(uow, scope),
        columns=columns,
    )
    for key in keys:
        found = cells[key]
        # Every evaluated student has exactly one award value ("" for none): their count is the whole.
        students = sum(n for name, n in found.items() if name.startswith("award:"))
        row: dict[str, Any] = {**labels[key], "students": students}
        for column, _, name in measures:
            row[column] = found.get(name, 0)
            row[f"{column}_rate"] = rate(row[column], students)
        report.rows.append(row)
    return report


async def dropouts(q: ReportQuery, uow: ReportingUnitOfWork, scope: ReportScope) -> Report:
    """Học sinh bỏ học: per semester, against the students still enrolled plus those who left."""
    by, label = _group_key(q.group)
    t = orm.enrolment_counts
    enrolled: dict[tuple[Any, ...], int] = {}
    for r in await repo.grouped_sum(uow.session, t, by=by, scope=scope, where=[t.c.school_year == q.school_year]):
        enrolled[tuple(r[: len(by)])] = int(r.n)
    left: dict[tuple[Any, ...], dict[int, int]] = {}
    for r in await repo.dropouts(uow.session, scope=scope, school_year=q.school_year, by=by):
        left.setdefault(tuple(r[: len(by)]), {})[int(r.semester)] = int(r.n)
    keys = sorted(set(enrolled) | set(left))
    labels = await _label_rows(uow, keys, q.group)
    report = Report(
        name="dropouts",
        title="THỐNG KÊ HỌC SINH BỎ HỌC",
        subtitle=f"Năm học {q.school_year}",
        scope_label=await _scope_label(uow, scope),
        columns=[
            *([Column("level", "Cấp học", "text")] if q.group == "grade" else []),
            label,
            Column("start", "Số HS đầu năm"),
            Column("hk1", "Bỏ học HK I"),
            Column("hk2", "Bỏ học HK II"),
            Column("total", "Tổng số bỏ học"),
            Column("rate", "Tỉ lệ bỏ học %", "rate"),
        ],
    )
    for key in keys:
        per = left.get(key, {})
        total = per.get(1, 0) + per.get(2, 0)
        start = enrolled.get(key, 0) + total
        report.rows.append(
            {
                **labels[key],
                "start": start,
                "hk1": per.get(1, 0),
                "hk2": per.get(2, 0),
                "total": total,
                "rate": rate(total, start),
            }
        )
    return report


_FINAL_GRADES = {
    5: ("tieu_hoc", "Hoàn thành chương trình tiểu học"),
    9: ("thcs", "Tốt nghiệp THCS"),
    12: ("thpt", "Hoàn thành THPT"),
}


async def completion(q: ReportQuery, uow: ReportingUnitOfWork, scope: ReportScope) -> Report:
    """Hoàn thành chương trình tiểu học and tốt nghiệp THCS (and THPT): completers over the final grade's students."""
    t = orm.enrolment_counts
    enrolled = {
        int(r.grade): int(r.n)
        for r in await repo.grouped_sum(
            uow.session,
            t,
            by=["grade"],
            scope=scope,
            where=[t.c.school_year == q.school_year, t.c.grade.in_(list(_FINAL_GRADES))],
        )
    }
    done = {
        int(r.grade): int(r.n)
        for r in await repo.graduations(uow.session, scope=scope, school_year=q.school_year, by=["grade"])
    }
    report = Report(
        name="completion",
        title="HOÀN THÀNH CHƯƠNG TRÌNH TIỂU HỌC, TỐT NGHIỆP THCS",
        subtitle=f"Năm học {q.school_year}",
        scope_label=await _scope_label(uow, scope),
        columns=[
            Column("level", "Cấp học", "text"),
            Column("measure", "Chỉ tiêu", "text"),
            Column("students", "Số HS lớp cuối cấp"),
            Column("completed", "Số HS hoàn thành / tốt nghiệp"),
            Column("rate", "Tỉ lệ %", "rate"),
        ],
    )
    for grade, (level, measure) in _FINAL_GRADES.items():
        students, completed = enrolled.get(grade, 0), done.get(grade, 0)
        if students or completed:
            report.rows.append(
                with_rates(
                    {"level": LEVEL_LABELS[level], "measure": measure, "students": students, "completed": completed},
                    {"rate": ("completed", "students")},
                )
            )
    return report


async def staff(q: ReportQuery, uow: ReportingUnitOfWork, scope: ReportScope) -> Report:
    """Đội ngũ: active staff by title and by subject group."""
    rows = await repo.staff(uow.session, scope=scope, by=["title", "subject_group"])
    report = Report(
        name="staff",
        title="THỐNG KÊ ĐỘI NGŨ CÁN BỘ, GIÁO VIÊN, NHÂN VIÊN",
        subtitle=f"Năm học {q.school_year}",
        scope_label=await _scope_label(uow, scope),
        columns=[
            Column("title", "Chức danh", "text"),
            Column("subject_group", "Tổ chuyên môn", "text"),
            Column("staff", "Số người"),
        ],
    )
    report.rows = [{"title": r.title, "subject_group": r.subject_group or "—", "staff": int(r.n)} for r in rows]
    return report


async def scores(q: ReportQuery, uow: ReportingUnitOfWork, scope: ReportScope) -> Report:
    """Phổ điểm: recorded scores of a subject in buckets of 0.5 or 1 point (by kind of assessment, grade, class)."""
    if q.subject_code is None:
        raise InvalidInput("Cần chọn môn học (subject_code) để xem phổ điểm.", field="subject_code", value=None)
    if q.width not in (Decimal("0.5"), Decimal("1")):
        raise InvalidInput(
            f"Độ rộng cột phổ điểm {q.width} không hợp lệ: 0.5 hoặc 1.", field="width", value=str(q.width)
        )
    if q.kind is not None and q.kind not in KINDS:
        raise InvalidInput(f"Loại điểm '{q.kind}' không hợp lệ: tx, gk hoặc ck.", field="kind", value=q.kind)
    if scope.kind == "class":
        raw = await repo.class_score_hist(
            uow.session, class_id=scope.id, subject_code=q.subject_code, semester=q.semester, kind=q.kind
        )
    else:
        raw = await score_histogram(uow, scope, q)
    counts = merge_buckets(raw, width=q.width)
    total = sum(counts.values())
    report = Report(
        name="scores",
        title="PHỔ ĐIỂM MÔN HỌC",
        subtitle=f"Môn {q.subject_code}, học kì {q.semester}, năm học {q.school_year}"
        + (f", khối {q.grade}" if q.grade else "")
        + (f", điểm {q.kind.upper()}" if q.kind else ""),
        scope_label=await _scope_label(uow, scope),
        columns=[Column("bucket", "Điểm", "text"), Column("count", "Số lượt điểm"), Column("share", "Tỉ lệ %", "rate")],
    )
    labels = score_buckets(width=q.width)
    for bucket in labels + sorted(k for k in counts if k not in labels):
        report.rows.append(
            {"bucket": bucket, "count": counts.get(bucket, 0), "share": rate(counts.get(bucket, 0), total)}
        )
    return report


async def score_histogram(uow: ReportingUnitOfWork, scope: ReportScope, q: ReportQuery) -> dict[str, int]:
    """Half-point bucket → count from the aggregates (the province table when the scope is the whole province)."""
    table = orm.score_hist_province if scope.province else orm.score_hist
    where = [
        table.c.school_year == q.school_year,
        table.c.subject_code == q.subject_code,
        table.c.semester == q.semester,
    ]
    if q.grade is not None:
        where.append(table.c.grade == q.grade)
    if q.kind is not None:
        where.append(table.c.kind == q.kind)
    rows = await repo.grouped_sum(uow.session, table, by=["bucket"], scope=scope, where=where)
    return {r.bucket: int(r.n) for r in rows if int(r.n)}


_BANDS = (
    ("b_8", "≥ 8,0", Decimal("8"), Decimal("11")),
    ("b_65", "6,5 – dưới 8,0", Decimal("6.5"), Decimal("8")),
    ("b_5", "5,0 – dưới 6,5", Decimal("5"), Decimal("6.5")),
    ("b_35", "3,5 – dưới 5,0", Decimal("3.5"), Decimal("5")),
    ("b_0", "dưới 3,5", Decimal("0"), Decimal("3.5")),
)
_RATED = (
    ("r_d", "Đạt (Đ)", "Đ"),
    ("r_cd", "Chưa đạt (CĐ)", "CĐ"),
    ("r_t", "Hoàn thành tốt (T)", "T"),
    ("r_h", "Hoàn thành (H)", "H"),
    ("r_c", "Chưa hoàn thành (C)", "C"),
)


async def ratings(q: ReportQuery, uow: ReportingUnitOfWork, scope: ReportScope) -> Report:
    """Tỉ lệ xếp loại theo môn: approved subject results in score bands and ratings, by subject (or school, grade)."""
    t = orm.subject_result_counts
    group = {"grade": "grade", "school": "school_id", "subject": "subject_code", "class": "class_id"}.get(q.group)
    if group is None:
        raise InvalidInput(
            f"Cách nhóm '{q.group}' không hợp lệ: subject, grade, school hoặc class.", field="group", value=q.group
        )
    if group == "class_id" and scope.kind not in ("school", "class"):
        raise InvalidInput(
            "Tỉ lệ xếp loại theo lớp chỉ xem được trong một trường (school_id) hoặc một lớp (class_id).",
            field="group",
            value=q.group,
        )
    if scope.kind == "class" and group != "class_id":
        group = "subject_code"  # one class: its subjects are the only grouping left
    if group == "class_id" or scope.kind == "class":
        # Within one school: counted from the approved results themselves (a school has a few thousand rows).
        buckets = await repo.class_subject_buckets(
            uow.session, scope=scope, school_year=q.school_year, period=q.period, subject_code=q.subject_code
        )
        key_of = 0 if group == "class_id" else 1
        rows = [(r[key_of], r[2], r[3]) for r in buckets]
    else:
        where = [t.c.school_year == q.school_year, t.c.period == q.period]
        if q.subject_code is not None:
            where.append(t.c.subject_code == q.subject_code)
        if q.grade is not None:
            where.append(t.c.grade == q.grade)
        rows = [
            (r[0], r.bucket, int(r.n))
            for r in await repo.grouped_sum(uow.session, t, by=[group, "bucket"], scope=scope, where=where)
        ]
    cells: dict[Any, dict[str, int]] = {}
    for key, bucket, n in rows:
        found = cells.setdefault(key, {})
        band = _band_of(bucket)
        if band is not None:
            found[band] = found.get(band, 0) + n
        found["total"] = found.get("total", 0) + n
    names = await repo.school_names(uow.session, list(cells)) if group == "school_id" else {}
    if group == "class_id":
        names = {
            k: v.name for k, v in (await repo.class_names(uow.session, scope=scope, school_year=q.school_year)).items()
        }
    label = {
        "grade": Column("group", "Khối", "text"),
        "school_id": Column("group", "Trường", "text"),
        "class_id": Column("group", "Lớp", "text"),
    }.get(group, Column("group", "Môn học", "text"))
    columns = [label, Column("total", "Số HS")]
    for band, text, *_ in (*_BANDS, *_RATED):
        columns += [Column(str(band), str(text)), Column(f"{band}_rate", "Tỉ lệ %", "rate")]
    report = Report(
        name="ratings",
        title="TỈ LỆ XẾP LOẠI KẾT QUẢ HỌC TẬP THEO MÔN",
        subtitle=f"Năm học {q.school_year}, kì {q.period}",
        scope_label=await _scope_label(uow, scope),
        columns=columns,
    )
    for key in sorted(cells, key=str):
        counted = cells[key]
        shown = (
            names.get(key, key) if group in ("school_id", "class_id") else (f"Khối {key}" if group == "grade" else key)
        )
        line: dict[str, Any] = {"group": shown, "total": counted.get("total", 0)}
        for column, *_ in (*_BANDS, *_RATED):
            line[str(column)] = counted.get(str(column), 0)
            line[f"{column}_rate"] = rate(line[str(column)], line["total"])
        report.rows.append(line)
    return report


def _band_of(bucket: str) -> str | None:
    for key, _, rating in _RATED:
        if bucket == rating:
            return key
    try:
        value = Decimal(bucket)
    except ArithmeticError:
        return None
    for key, _, low, high in _BANDS:
        if low <= value < high:
            return key
    return None


async def attendance(q: ReportQuery, uow: ReportingUnitOfWork, scope: ReportScope) -> Report:
    """Chuyên cần: absences (excused, unexcused) and late arrivals per school — per class within one school."""
    t = orm.attendance_counts
    per_class = scope.kind in ("school", "class")
    by = ["class_id"] if per_class else ["school_id"]
    where = [t.c.school_year == q.school_year, t.c.semester == q.semester]
    if scope.kind == "class":
        where.append(t.c.class_id == scope.id)
    rows = await repo.grouped_sum(uow.session, t, by=[*by, "status"], scope=scope, where=where)
    cells: dict[str, dict[str, int]] = {}
    for r in rows:
        cells.setdefault(r[0], {})[r.status] = int(r.n)
    e = orm.enrolment_counts
    if per_class:
        classes = await repo.class_names(uow.session, scope=scope, school_year=q.school_year)
        sizes = {
            r.class_id: int(r.n)
            for r in await uow.session.execute(
                orm.class_sizes.select().where(orm.class_sizes.c.class_id.in_(list(classes)))
            )
        }
        labels = {k: classes[k].name if k in classes else k for k in cells}
    else:
        sizes = {
            r.school_id: int(r.n)
            for r in await repo.grouped_sum(
                uow.session, e, by=["school_id"], scope=scope, where=[e.c.school_year == q.school_year]
            )
        }
        labels = await repo.school_names(uow.session, list(cells))
    report = Report(
        name="attendance",
        title="THỐNG KÊ CHUYÊN CẦN",
        subtitle=f"Học kì {q.semester}, năm học {q.school_year}",
        scope_label=await _scope_label(uow, scope),
        columns=[
            Column("group", "Lớp" if per_class else "Trường", "text"),
            Column("students", "Số HS"),
            Column("excused", "Nghỉ có phép"),
            Column("unexcused", "Nghỉ không phép"),
            Column("late", "Đi muộn"),
            Column("per_student", "Buổi nghỉ bình quân / HS", "rate"),
        ],
    )
    for key in sorted(cells, key=lambda k: labels.get(k, k)):
        found = cells[key]
        students = sizes.get(key, 0)
        absent = found.get("excused", 0) + found.get("unexcused", 0)
        per_student = (Decimal(absent) / students).quantize(Decimal("0.01")) if students else Decimal("0.00")
        report.rows.append(
            {
                "group": labels.get(key, key),
                "students": students,
                "excused": found.get("excused", 0),
                "unexcused": found.get("unexcused", 0),
                "late": found.get("late", 0),
                "per_student": per_student,
            }
        )
    return report


async def progress(q: ReportQuery, uow: ReportingUnitOfWork, scope: ReportScope) -> Report:
    """Tiến độ nhập điểm: cells entered against a complete sheet, per class and subject (per school above one)."""
    from reporting.domain.marks import expected_columns

    rows = await repo.entry_progress(uow.session, scope=scope, school_year=q.school_year, semester=q.semester)
    per_class = scope.kind in ("school", "class")
    report = Report(
        name="progress",
        title="TIẾN ĐỘ NHẬP ĐIỂM",
        subtitle=f"Học kì {q.semester}, năm học {q.school_year}",
        scope_label=await _scope_label(uow, scope),
        columns=[
            Column("group", "Lớp" if per_class else "Trường", "text"),
            *([Column("subject", "Môn học", "text")] if per_class else []),
            Column("expected", "Số đầu điểm cần nhập"),
            Column("entered", "Đã nhập"),
            Column("rate", "Tỉ lệ %", "rate"),
        ],
    )
    grouped: dict[tuple[str, str], dict[str, int]] = {}
    for r in rows:
        if scope.kind == "class" and r.class_id != scope.id:
            continue
        expected = int(r.students) * expected_columns(periods_per_year=int(r.periods_per_year))
        key = (r.class_name, r.subject_name) if per_class else (r.school_id, "")
        cell = grouped.setdefault(key, {"expected": 0, "entered": 0})
        cell["expected"] += expected
        cell["entered"] += min(int(r.entered), expected)
    names = {} if per_class else await repo.school_names(uow.session, [k[0] for k in grouped])
    for (group, subject), cell in grouped.items():
        row: dict[str, Any] = {"group": names.get(group, group) if not per_class else group}
        if per_class:
            row["subject"] = subject
        row.update(cell)
        report.rows.append(with_rates(row, {"rate": ("entered", "expected")}))
    report.rows.sort(key=lambda r: (r["rate"], str(r["group"])))
    return report


REPORTS: dict[str, tuple[str, Callable[[ReportQuery, ReportingUnitOfWork, ReportScope], Awaitable[Report]]]] = {
    "enrolment": ("Thống kê đầu năm (lớp, học sinh theo cấp, khối, giới tính, dân tộc)", enrolment),
    "ethnicity": ("Học sinh theo dân tộc", ethnicity),
    "quality": ("Chất lượng giáo dục theo cấp học (học tập, rèn luyện, lên lớp, khen thưởng)", quality),
    "dropouts": ("Học sinh bỏ học đầu năm, cuối năm", dropouts),
    "completion": ("Hoàn thành chương trình tiểu học, tốt nghiệp THCS", completion),
    "staff": ("Đội ngũ theo chức danh và tổ chuyên môn", staff),
    "scores": ("Phổ điểm theo môn, khối, lớp, trường, đơn vị", scores),
    "ratings": ("Tỉ lệ xếp loại theo môn", ratings),
    "attendance": ("Chuyên cần", attendance),
    "progress": ("Tiến độ nhập điểm", progress),
}


async def build_report(q: ReportQuery, uow: ReportingUnitOfWork, *, caller: Caller | None) -> Report:
    """Check the caller may read the scope, then build the report (`caller` None: see `resolve_scope`)."""
    entry = REPORTS.get(q.report)
    if entry is None:
        raise NotFound(f"Không có báo cáo '{q.report}'.", field="report", value=q.report)
    scope = await resolve_scope(uow, caller, school_id=q.school_id, org_unit_id=q.org_unit_id, class_id=q.class_id)
    return await entry[1](q, uow, scope)
