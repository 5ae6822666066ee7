"""A class's results: each subject's semester and year results and the learning result (TT22), per student.

Pure: built from the semester results the sheets compute. A learning result is given only when every subject
of that period is complete; a partial picture would mislead a homeroom teacher checking the class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from gradebook.domain.rules.tt22 import LearningResult, SubjectOutcome, learning_result, year_average
from gradebook.domain.sheet import Rating, SemesterResult


@dataclass(frozen=True)
class SubjectYear:
    code: str
    scored: bool
    semester1: SemesterResult
    semester2: SemesterResult

    @property
    def year_average(self) -> Decimal | None:
        """ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3 once both semesters are complete."""
        if self.semester1.average is None or self.semester2.average is None:
            return None
        return year_average(self.semester1.average, self.semester2.average)

    @property
    def year_rating(self) -> Rating | None:
        """A comment-only subject's year result is its semester II result."""
        return self.semester2.rating


def _outcome(code: str, scored: bool, average: Decimal | None, rating: Rating | None) -> SubjectOutcome | None:
    if scored:
        return None if average is None else SubjectOutcome(code, average=average)
    return None if rating is None else SubjectOutcome(code, passed=rating == Rating.DAT)


def learning_for(subjects: Sequence[SubjectYear], period: int | None) -> LearningResult | None:
    """Learning result of semester 1, 2 or the year (None) — or None while any subject is incomplete."""
    outcomes: list[SubjectOutcome] = []
    for s in subjects:
        if period == 1:
            found = _outcome(s.code, s.scored, s.semester1.average, s.semester1.rating)
        elif period == 2:
            found = _outcome(s.code, s.scored, s.semester2.average, s.semester2.rating)
        else:
            found = _outcome(s.code, s.scored, s.year_average, s.year_rating)
        if found is None:
            return None
        outcomes.append(found)
    return learning_result(outcomes) if outcomes else None
