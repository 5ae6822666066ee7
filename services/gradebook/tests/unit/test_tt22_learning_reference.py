"""The fast learning-result path gives exactly the table's answer, checked against a plain reading of the rule."""

from __future__ import annotations

import random
from decimal import Decimal

from gradebook.domain.rules.tt22 import (
    LEVEL_RULES,
    LearningResult,
    Level,
    SubjectOutcome,
    check_level,
    learning_result,
)


def reference(subjects: list[SubjectOutcome]) -> LearningResult:
    """The rule read literally: every row checked with its explanation, every subject tried for the adjustment."""
    scored = {s.code: s.average for s in subjects if s.average is not None}
    comments = {s.code: s.passed for s in subjects if s.passed is not None}

    def level(lenient: str | None) -> Level:
        for rule in LEVEL_RULES:
            if check_level(rule, scored, comments, lenient=lenient).met:
                return rule.level
        return Level.CHUA_DAT

    base = level(None)
    for code in sorted(scored):
        if level(code) - base >= 2:
            return LearningResult(level=Level(base + 1), unadjusted=base, adjusted_for=code)
    return LearningResult(level=base, unadjusted=base, adjusted_for=None)


def test_fast_path_matches_the_literal_rule_on_random_students() -> None:
    rng = random.Random(22)
    adjusted = 0
    for _ in range(20_000):
        ability = rng.uniform(2.0, 9.8)
        scored = [
            SubjectOutcome(f"m{i}", average=Decimal(str(round(min(10.0, max(0.0, rng.gauss(ability, 1.5))), 1))))
            for i in range(rng.randint(4, 9))
        ]
        comments = [SubjectOutcome(f"n{i}", passed=rng.random() > 0.05) for i in range(rng.randint(0, 4))]
        subjects = scored + comments
        expected = reference(subjects)
        assert learning_result(subjects) == expected, subjects
        adjusted += expected.adjusted_for is not None
    assert adjusted > 20  # the adjustment was exercised (47 times with this seed), not just the plain table
