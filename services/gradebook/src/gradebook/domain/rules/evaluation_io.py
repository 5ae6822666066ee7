"""The JSON wire format of `edu rules evaluate` (docs/rules-evaluate.md): parsing one student's year, writing results.

Parsing checks everything a teacher can get wrong and raises InvalidInput naming the field (as a path such as
`subjects[0].hk1.regular[2]`) and the value, in Vietnamese. Numbers should be read with `parse_float=Decimal`
so that 7.25 stays 7.25 (and rounds half up to 7.3 like any entered score).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from edu_shared.errors import InvalidInput
from gradebook.domain.rules import tt22, tt27
from gradebook.domain.rules.evaluate import (
    PERIOD_LABELS,
    CommentAssessments,
    Mark,
    ScoredAssessments,
    SubjectYearInput,
    Tt22Evaluation,
    Tt22Input,
    evaluate_tt22,
)
from gradebook.domain.rules.evaluate_tt27 import (
    QUALITY_LABELS,
    PrimarySubjectInput,
    RatedInput,
    Tt27Evaluation,
    Tt27Input,
    evaluate_tt27,
)
from gradebook.domain.rules.tt22 import LearningResult, Level, Promotion
from gradebook.domain.scores import InvalidScore, parse_score

RULE_SETS = ("tt22", "tt27")
TT22_GRADES = range(6, 13)
TT27_GRADES = range(1, 6)
SEMESTERS = ("hk1", "hk2")

LEVELS = {level.label: level for level in Level}
COMMENT_MARKS = {"Đ": True, "Đạt": True, "CĐ": False, "Chưa đạt": False}
SUBJECT_LEVELS = {"T": tt27.SubjectLevel.T, "H": tt27.SubjectLevel.H, "C": tt27.SubjectLevel.C}
QUALITY_LEVELS = {label: level for level, label in QUALITY_LABELS.items()}
OUTCOMES = {
    Promotion.PROMOTED: "len_lop",
    Promotion.RETEST: "kiem_tra_lai",
    Promotion.SUMMER_TRAINING: "ren_luyen_he",
    Promotion.RETAINED: "o_lai_lop",
}
TT22_AWARDS = {tt22.Award.NONE: None, tt22.Award.GIOI: "gioi", tt22.Award.XUAT_SAC: "xuat_sac"}
TT27_AWARDS = {tt27.Award.NONE: None, tt27.Award.TIEU_BIEU: "tieu_bieu", tt27.Award.XUAT_SAC: "xuat_sac"}
TT27_RESULTS = {
    tt27.YearResult.HOAN_THANH_XUAT_SAC: "hoan_thanh_xuat_sac",
    tt27.YearResult.HOAN_THANH_TOT: "hoan_thanh_tot",
    tt27.YearResult.HOAN_THANH: "hoan_thanh",
    tt27.YearResult.CHUA_HOAN_THANH: "chua_hoan_thanh",
}


def _bad(message: str, field: str, value: Any) -> InvalidInput:
    return InvalidInput(f"{message} (trường {field}, giá trị {_repr(value)}).", field=field, value=_plain(value))


def _repr(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, dict | list):
        return "đối tượng" if isinstance(value, dict) else "danh sách"
    return str(value)


def _plain(value: Any) -> Any:
    """The value as it can go into an error's JSON extension."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return None
    return value


def _text(value: Any) -> Any:
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _bad("Cần một đối tượng JSON", field, value)
    return value


def _list(value: Any, field: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise _bad("Cần một danh sách JSON", field, value)
    return value


def _required(data: Mapping[str, Any], key: str, field: str) -> Any:
    if key not in data or data[key] is None:
        raise InvalidInput(f"Thiếu trường {field}.", field=field, value=None)
    return data[key]


def _integer(value: Any, field: str, allowed: range) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value != int(value):
        raise _bad("Cần một số nguyên", field, value)
    if int(value) not in allowed:
        raise _bad(f"Giá trị phải từ {allowed.start} đến {allowed.stop - 1}", field, value)
    return int(value)


def _choice(value: Any, field: str, options: Mapping[str, Any]) -> Any:
    text = _text(value)
    if not isinstance(text, str) or text not in options:
        raise _bad(f"Giá trị không hợp lệ, chỉ nhận {', '.join(options)}", field, value)
    return options[text]


def _name(data: Mapping[str, Any], field: str, seen: set[str]) -> str:
    name = _text(_required(data, "name", f"{field}.name"))
    if not isinstance(name, str) or not name:
        raise _bad("Tên không hợp lệ", f"{field}.name", name)
    if name in seen:
        raise _bad("Tên bị trùng", f"{field}.name", name)
    seen.add(name)
    return name


def _score(value: Any, field: str, label: str) -> Decimal:
    if value is None:
        raise InvalidInput(f"Thiếu điểm {label} (trường {field}).", field=field, value=None)
    if isinstance(value, bool | dict | list):
        raise _bad(f"Điểm {label} không phải là số", field, value)
    try:
        return parse_score(value, column=label)
    except InvalidScore as err:
        raise InvalidInput(f"{err.detail[:-1]} (trường {field}).", field=field, value=_plain(value)) from None


def _comment(value: Any, field: str) -> bool | None:
    return None if value is None else bool(_choice(value, field, COMMENT_MARKS))


def _exempt(raw: Any, field: str) -> frozenset[str]:
    if raw is None or raw is False:
        return frozenset()
    if raw is True:
        return frozenset(SEMESTERS)
    items = _list(raw, field)
    for i, item in enumerate(items):
        if item not in SEMESTERS:
            raise _bad("Chỉ nhận true, false hoặc danh sách gồm 'hk1', 'hk2'", f"{field}[{i}]", item)
    return frozenset(items)


def _semester(
    data: Mapping[str, Any], *, field: str, name: str, scored: bool, required: int, period: str
) -> ScoredAssessments | CommentAssessments:
    label = f"{name} {PERIOD_LABELS[period]}"
    regular = _list(_required(data, "regular", f"{field}.regular"), f"{field}.regular")
    if len(regular) > required or (scored and len(regular) != required):
        raise _bad(
            f"Môn {label} cần đúng {required} điểm đánh giá thường xuyên theo số tiết/năm, đang có {len(regular)}",
            f"{field}.regular",
            regular,
        )
    if scored:
        return ScoredAssessments(
            regular=tuple(_score(v, f"{field}.regular[{i}]", f"{label} ĐĐGtx {i + 1}") for i, v in enumerate(regular)),
            midterm=_score(data.get("midterm"), f"{field}.midterm", f"{label} ĐĐGgk"),
            final=_score(data.get("final"), f"{field}.final", f"{label} ĐĐGck"),
        )
    # A missing comment assessment is not an input error: the rule itself makes that semester Chưa đạt.
    return CommentAssessments(
        regular=tuple(_comment(v, f"{field}.regular[{i}]") for i, v in enumerate(regular)),
        midterm=_comment(data.get("midterm"), f"{field}.midterm"),
        final=_comment(data.get("final"), f"{field}.final"),
    )


def _tt22_subject(raw: Any, field: str, seen: set[str]) -> SubjectYearInput:
    data = _object(raw, field)
    name = _name(data, field, seen)
    scored = _choice(_required(data, "kind", f"{field}.kind"), f"{field}.kind", {"scored": True, "comment": False})
    periods = _integer(
        _required(data, "periods_per_year", f"{field}.periods_per_year"), f"{field}.periods_per_year", range(1, 1000)
    )
    required = tt22.regular_assessments_required(periods)
    exempt = _exempt(data.get("exempt"), f"{field}.exempt")
    semesters: dict[str, ScoredAssessments | CommentAssessments | None] = {}
    for period in SEMESTERS:
        where = f"{field}.{period}"
        if period in exempt:
            if data.get(period) is not None:
                raise _bad(f"Môn {name} được miễn {PERIOD_LABELS[period]} nên không nhận kết quả", where, data[period])
            semesters[period] = None
            continue
        semesters[period] = _semester(
            _object(_required(data, period, where), where),
            field=where,
            name=name,
            scored=scored,
            required=required,
            period=period,
        )
    retest_raw = data.get("retest")
    retest: Decimal | bool | None = None
    if retest_raw is not None:
        if exempt == frozenset(SEMESTERS):
            raise _bad(f"Môn {name} được miễn cả năm nên không có kiểm tra lại", f"{field}.retest", retest_raw)
        retest = (
            _score(retest_raw, f"{field}.retest", f"{name} kiểm tra lại")
            if scored
            else _comment(retest_raw, f"{field}.retest")
        )
    return SubjectYearInput(
        name=name, scored=scored, periods_per_year=periods, hk1=semesters["hk1"], hk2=semesters["hk2"], retest=retest
    )


def parse_tt22(data: Mapping[str, Any]) -> Tt22Input:
    """Read one THCS/THPT student's year (format in docs/rules-evaluate.md)."""
    grade = _integer(_required(data, "grade", "grade"), "grade", TT22_GRADES)
    seen: set[str] = set()
    subjects = tuple(
        _tt22_subject(raw, f"subjects[{i}]", seen)
        for i, raw in enumerate(_list(_required(data, "subjects", "subjects"), "subjects"))
    )
    if not subjects:
        raise _bad("Cần ít nhất một môn học", "subjects", [])
    training = _object(_required(data, "training", "training"), "training")
    summer_raw = training.get("summer")
    return Tt22Input(
        grade=grade,
        subjects=subjects,
        training_hk1=_choice(_required(training, "hk1", "training.hk1"), "training.hk1", LEVELS),
        training_hk2=_choice(_required(training, "hk2", "training.hk2"), "training.hk2", LEVELS),
        summer_training=None if summer_raw is None else _choice(summer_raw, "training.summer", LEVELS),
        absent_sessions=_integer(
            _required(data, "absent_sessions", "absent_sessions"), "absent_sessions", range(0, 1000)
        ),
    )


def _mark(mark: Mark) -> float | str:
    if mark is None:
        return "Miễn"
    if isinstance(mark, bool):
        return "Đ" if mark else "CĐ"
    return float(mark)  # one decimal exactly as computed; float's shortest repr prints it back unchanged


def _learning(result: LearningResult) -> str:
    return result.level.label


def tt22_output(result: Tt22Evaluation) -> dict[str, Any]:
    """The JSON-ready result of a TT22 evaluation."""
    return {
        "rule_set": "tt22",
        "subjects": [
            {
                "name": s.name,
                "hk1": _mark(s.hk1),
                "hk2": _mark(s.hk2),
                "year": _mark(s.year),
                "year_before_retest": _mark(s.year_before_retest),
            }
            for s in result.subjects
        ],
        "learning": {
            "hk1": _learning(result.learning_hk1),
            "hk2": _learning(result.learning_hk2),
            "year": _learning(result.learning_year),
            "year_before_retest": _learning(result.learning_year_before_retest),
        },
        "training": {
            "hk1": result.training_hk1.label,
            "hk2": result.training_hk2.label,
            "year": result.training_year.label,
            "year_before_summer": result.training_year_before_summer.label,
        },
        "outcome": OUTCOMES[result.outcome],
        "outcome_label": result.outcome.label,
        "retest_subjects": list(result.decision.retest_subjects),
        "award": TT22_AWARDS[result.award],
        "award_label": result.award.label or None,
        "explanations": result.explanations,
        "warnings": list(result.warnings),
    }


def _test(value: Any, field: str, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, Decimal) and value == int(value) and value.as_tuple().exponent == 0:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise _bad(f"Điểm kiểm tra định kì môn {name} phải là số nguyên từ 1 đến 10", field, value)
    return tt27.check_test_score(value, subject=name)


def _primary_subject(raw: Any, field: str, seen: set[str]) -> PrimarySubjectInput:
    data = _object(raw, field)
    name = _name(data, field, seen)
    levels = {p: _choice(_required(data, p, f"{field}.{p}"), f"{field}.{p}", SUBJECT_LEVELS) for p in ("hk1", "year")}
    tests_raw = data.get("tests")
    test_hk1 = test_year = None
    if tests_raw is not None:
        tests = _object(tests_raw, f"{field}.tests")
        unknown = sorted(set(tests) - {"hk1", "year"})
        if unknown:
            raise _bad("Chỉ nhận bài kiểm tra 'hk1' và 'year'", f"{field}.tests.{unknown[0]}", tests[unknown[0]])
        # A subject with periodic tests has both: end of semester I and end of year.
        test_hk1 = _test(_required(tests, "hk1", f"{field}.tests.hk1"), f"{field}.tests.hk1", name)
        test_year = _test(_required(tests, "year", f"{field}.tests.year"), f"{field}.tests.year", name)
    return PrimarySubjectInput(
        name=name, hk1=levels["hk1"], year=levels["year"], test_hk1=test_hk1, test_year=test_year
    )


def _rated(raw: Any, field: str, seen: set[str]) -> RatedInput:
    data = _object(raw, field)
    name = _name(data, field, seen)
    hk1, year = (_choice(_required(data, p, f"{field}.{p}"), f"{field}.{p}", QUALITY_LEVELS) for p in ("hk1", "year"))
    return RatedInput(name=name, hk1=hk1, year=year)


def parse_tt27(data: Mapping[str, Any]) -> Tt27Input:
    """Read one primary student's year (format in docs/rules-evaluate.md)."""
    grade = _integer(_required(data, "grade", "grade"), "grade", TT27_GRADES)
    subject_names: set[str] = set()
    subjects = tuple(
        _primary_subject(raw, f"subjects[{i}]", subject_names)
        for i, raw in enumerate(_list(_required(data, "subjects", "subjects"), "subjects"))
    )
    if not subjects:
        raise _bad("Cần ít nhất một môn học", "subjects", [])
    rated_names: set[str] = set()
    groups = {
        key: tuple(
            _rated(raw, f"{key}[{i}]", rated_names) for i, raw in enumerate(_list(_required(data, key, key), key))
        )
        for key in ("qualities", "competences")
    }
    for key, rated in groups.items():
        if not rated:
            raise _bad("Cần đánh giá ít nhất một phẩm chất và một năng lực", key, [])
    proposed = data.get("tieu_bieu_proposed", False)
    if not isinstance(proposed, bool):
        raise _bad("Cần true hoặc false", "tieu_bieu_proposed", proposed)
    return Tt27Input(
        grade=grade,
        subjects=subjects,
        qualities=groups["qualities"],
        competences=groups["competences"],
        tieu_bieu_proposed=proposed,
    )


def tt27_output(result: Tt27Evaluation) -> dict[str, Any]:
    """The JSON-ready result of a TT27 evaluation."""
    data = result.data
    return {
        "rule_set": "tt27",
        "subjects": [
            {
                "name": s.name,
                "hk1": s.hk1.name,
                "year": s.year.name,
                "tests": None if s.test_year is None else {"hk1": s.test_hk1, "year": s.test_year},
            }
            for s in data.subjects
        ],
        "qualities": [
            {"name": r.name, "hk1": QUALITY_LABELS[r.hk1], "year": QUALITY_LABELS[r.year]} for r in data.qualities
        ],
        "competences": [
            {"name": r.name, "hk1": QUALITY_LABELS[r.hk1], "year": QUALITY_LABELS[r.year]} for r in data.competences
        ],
        "result": {"hk1": TT27_RESULTS[result.result_hk1], "year": TT27_RESULTS[result.result_year]},
        "result_label": {"hk1": result.result_hk1.label, "year": result.result_year.label},
        "award": TT27_AWARDS[result.award],
        "award_label": result.award.label or None,
        "explanations": result.explanations,
    }


def evaluate_json(data: Any) -> dict[str, Any]:
    """Evaluate one student's year given as parsed JSON; the rule set is chosen by its `rule_set` field."""
    payload = _object(data, "(gốc)")
    rule_set = _text(_required(payload, "rule_set", "rule_set"))
    if rule_set == "tt22":
        return tt22_output(evaluate_tt22(parse_tt22(payload)))
    if rule_set == "tt27":
        return tt27_output(evaluate_tt27(parse_tt27(payload)))
    raise _bad(f"Quy chế đánh giá không được hỗ trợ, chỉ nhận {', '.join(RULE_SETS)}", "rule_set", rule_set)
