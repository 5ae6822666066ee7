"""Year results: ĐTBmcn per subject and learning results only once every subject is complete."""

from __future__ import annotations

from decimal import Decimal as D

from gradebook.domain.results import SubjectYear, learning_for
from gradebook.domain.rules.tt22 import Level
from gradebook.domain.sheet import Rating, SemesterResult

SCORED = ["van", "toan", "anh", "gdcd", "lsdl", "khtn", "cn", "tin"]


def student(hk1: str, hk2: str, *, comment: Rating = Rating.DAT, missing: str | None = None) -> list[SubjectYear]:
    subjects = [
        SubjectYear(
            code,
            True,
            SemesterResult(average=D(hk1)),
            SemesterResult() if code == missing else SemesterResult(average=D(hk2)),
        )
        for code in SCORED
    ]
    subjects.append(SubjectYear("gdtc", False, SemesterResult(rating=Rating.DAT), SemesterResult(rating=comment)))
    return subjects


def test_year_average_weights_semester_two_and_comment_year_is_semester_two() -> None:
    subjects = student("6.4", "7.1")
    assert subjects[0].year_average == D("6.9")
    assert subjects[-1].year_rating == Rating.DAT


def test_learning_results_per_period() -> None:
    subjects = student("6.4", "8.2")
    assert learning_for(subjects, 1).level == Level.DAT  # type: ignore[union-attr]
    assert learning_for(subjects, 2).level == Level.TOT  # type: ignore[union-attr]
    assert learning_for(subjects, None).level == Level.KHA  # type: ignore[union-attr]  # ĐTBmcn 7.6


def test_no_learning_result_while_a_subject_is_incomplete() -> None:
    subjects = student("7.0", "7.0", missing="tin")
    assert learning_for(subjects, 1) is not None
    assert learning_for(subjects, 2) is None
    assert learning_for(subjects, None) is None


def test_failed_comment_subject_in_semester_two_fails_the_year_rating() -> None:
    subjects = student("8.0", "8.0", comment=Rating.CHUA_DAT)
    assert subjects[-1].year_rating == Rating.CHUA_DAT
    assert learning_for(subjects, None).level == Level.DAT  # type: ignore[union-attr]
