"""The transcript as XML (namespace `urn:edurecords:hoc-ba:1`), described by docs/schemas/hoc-ba.xsd.

Built from the JSON document (adapters/json_document.py), so both forms always carry the same data.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree  # type: ignore[import-untyped]  # no stubs shipped

from transcript.adapters.json_document import TranscriptDocument, YearDoc

NAMESPACE = "urn:edurecords:hoc-ba:1"
XML_MEDIA_TYPE = "application/xml"
_NS = f"{{{NAMESPACE}}}"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str | None) -> etree._Element:
    element = etree.SubElement(parent, _NS + tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _periods(parent: etree._Element, tag: str, values: Mapping[str, str]) -> None:
    if not values:
        return
    holder = _el(parent, tag)
    for period, value in sorted(values.items()):
        _el(holder, "period", value, code=period)


def _ratings(parent: etree._Element, tag: str, values: Mapping[str, Mapping[str, str]]) -> None:
    if not values:
        return
    holder = _el(parent, tag)
    for code, levels in values.items():
        item = _el(holder, "item", code=code)
        for period, value in sorted(levels.items()):
            _el(item, "period", value, code=period)


def _year(parent: etree._Element, y: YearDoc) -> None:
    year = _el(
        parent,
        "year",
        schoolYear=y.school_year,
        grade=str(y.grade),
        form=y.form,
        classId=y.class_id,
        schoolId=y.school_id,
    )
    _el(year, "schoolName", y.school_name)
    _el(year, "className", y.class_name)
    subjects = _el(year, "subjects")
    for s in y.subjects:
        subject = _el(subjects, "subject", code=s.code)
        _el(subject, "name", s.name)
        for tag in ("hk1", "hk2", "year", "retest"):
            value = getattr(s, tag)
            if value is not None:
                _el(subject, tag, value)
        for period, test in sorted(s.tests.items()):
            _el(subject, "test", str(test), period=period)
        if s.teacher_name is not None:
            _el(subject, "teacherName", s.teacher_name)
        if s.comment is not None:
            _el(subject, "comment", s.comment)
    _periods(year, "learning", y.learning)
    _periods(year, "training", y.training)
    _periods(year, "educationResult", y.education_result)
    _ratings(year, "qualities", y.qualities)
    _ratings(year, "competences", y.competences)
    _el(year, "absentSessions", str(y.absent_sessions))
    if y.outcome is not None:
        _el(year, "outcome", y.outcome)
    if y.award is not None:
        _el(year, "award", y.award)
    for key, text in sorted(y.explanations.items()):
        _el(year, "explanation", text, key=key)
    if y.homeroom_teacher is not None:
        _el(year, "homeroomTeacher", y.homeroom_teacher)
    if y.homeroom_comment is not None:
        _el(year, "homeroomComment", y.homeroom_comment)
    if y.principal_name is not None:
        _el(year, "principalName", y.principal_name)
    for period in y.approved_periods:
        _el(year, "approvedPeriod", period)
    signers = _el(year, "signers")
    for signer in y.signers:
        _el(
            signers,
            "signer",
            signer.name,
            role=signer.role,
            fieldName=signer.field_name,
            staffId=signer.staff_id,
            subjectCode=signer.subject_code,
        )


def render_xml(d: TranscriptDocument) -> bytes:
    """UTF-8 XML of the transcript document."""
    root = etree.Element(
        _NS + "transcript",
        {
            "formatVersion": d.format_version,
            "id": d.id,
            "studentId": d.student_id,
            "level": d.level,
            "status": d.status,
            "verificationCode": d.verification_code,
        },
        nsmap={None: NAMESPACE},
    )
    _el(root, "school", d.school_name, id=d.school_id)
    p = d.profile
    profile = _el(root, "profile")
    for tag, value in (
        ("fullName", p.full_name),
        ("familyName", p.family_name),
        ("middleName", p.middle_name),
        ("givenName", p.given_name),
        ("dateOfBirth", p.date_of_birth.isoformat()),
        ("sex", p.sex),
        ("placeOfBirth", p.place_of_birth),
        ("ethnicity", p.ethnicity),
        ("nationalId", p.national_id),
        ("moetStudentId", p.moet_student_id),
    ):
        if value is not None:
            _el(profile, tag, value)
    guardians = _el(root, "guardians")
    for g in d.guardians:
        guardian = _el(guardians, "guardian", relation=g.relation)
        _el(guardian, "fullName", g.full_name)
        if g.occupation is not None:
            _el(guardian, "occupation", g.occupation)
    years = _el(root, "years")
    for y in d.years:
        _year(years, y)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
