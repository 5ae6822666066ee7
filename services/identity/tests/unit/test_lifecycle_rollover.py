"""The rollover plan (kết chuyển): class renaming, who moves up, stays, graduates, and who blocks."""

from __future__ import annotations

import pytest

from edu_shared.errors import Conflict, InvalidInput
from identity.domain.lifecycle import (
    ClassRef,
    PromotionOutcome,
    RosterStudent,
    is_final_grade,
    next_class_name,
    plan_rollover,
)

P, R, G = PromotionOutcome.PROMOTED, PromotionOutcome.RETAINED, PromotionOutcome.GRADUATED


def _classes(*names: str) -> list[ClassRef]:
    return [ClassRef(id=f"c-{n}", name=n, grade=int(n[:2] if n[:2].isdigit() else n[0])) for n in names]


def _roster(class_name: str, *students: str) -> dict[str, list[RosterStudent]]:
    return {f"c-{class_name}": [RosterStudent(s, s.title(), f"e-{s}") for s in students]}


def test_class_name_moves_up_by_its_leading_grade() -> None:
    assert next_class_name("6A1", grade=6) == "7A1"
    assert next_class_name("9A1", grade=9) == "10A1"
    assert next_class_name("10 Toán", grade=10) == "11 Toán"


def test_class_name_without_its_grade_has_no_automatic_successor() -> None:
    assert next_class_name("Lớp Sen", grade=3) is None
    assert next_class_name("7A1", grade=6) is None


def test_last_grade_of_each_level_completes_the_level() -> None:
    assert [g for g in range(1, 13) if is_final_grade(g)] == [5, 9, 12]


def test_promoted_move_up_retained_stay_and_last_grade_graduates() -> None:
    sources = _classes("6A1", "7A1", "9A1")
    rosters = _roster("6A1", "an", "binh") | _roster("7A1", "chi") | _roster("9A1", "dung", "hoa")
    plan = plan_rollover(
        source_classes=sources,
        target_classes=[],
        rosters=rosters,
        outcomes={"an": P, "binh": R, "chi": P, "dung": G, "hoa": P},
    )
    assert [(c.source.name, c.target_name, c.target_grade, c.target_id) for c in plan.classes] == [
        ("6A1", "7A1", 7, None),
        ("7A1", "8A1", 8, None),
    ]
    assert [(m.student_id, m.to_class_name) for m in plan.promoted] == [("an", "7A1"), ("chi", "8A1")]
    assert [(m.student_id, m.to_class_name) for m in plan.retained] == [("binh", None)]
    assert [m.student_id for m in plan.unplaced] == ["binh"]
    # A last-grade student promoted or graduated completes the level.
    assert sorted(m.student_id for m in plan.graduated) == ["dung", "hoa"]
    assert plan.blockers == []


def test_students_without_a_result_block_and_are_not_moved() -> None:
    plan = plan_rollover(
        source_classes=_classes("6A1"),
        target_classes=[],
        rosters=_roster("6A1", "an", "binh"),
        outcomes={"an": P},
    )
    assert [m.student_id for m in plan.promoted] == ["an"]
    assert [(b.student_id, b.class_name) for b in plan.blockers] == [("binh", "6A1")]
    assert "chưa có kết quả" in plan.blockers[0].problem


def test_graduated_outcome_below_the_last_grade_is_a_blocker() -> None:
    plan = plan_rollover(
        source_classes=_classes("7A1"), target_classes=[], rosters=_roster("7A1", "an"), outcomes={"an": G}
    )
    assert plan.promoted == [] and [b.student_id for b in plan.blockers] == ["an"]


def test_retained_students_go_to_the_mapped_class_of_the_same_grade() -> None:
    # 7A1's retained students join next year's 7A1, the class 6A1 becomes.
    plan = plan_rollover(
        source_classes=_classes("6A1", "7A1"),
        target_classes=[],
        rosters=_roster("7A1", "an"),
        outcomes={"an": R},
        retained_mapping={"7A1": "7a1"},
    )
    assert [(m.student_id, m.to_class_name, m.to_class_id) for m in plan.retained] == [("an", "7A1", None)]
    assert plan.unplaced == []


def test_retained_mapping_to_a_class_of_another_grade_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        plan_rollover(
            source_classes=_classes("6A1", "7A1"),
            target_classes=[],
            rosters={},
            outcomes={},
            retained_mapping={"7A1": "8A1"},
        )
    assert err.value.extensions["field"] == "retained_mapping.7A1"


def test_explicit_mapping_overrides_the_naming_rule() -> None:
    plan = plan_rollover(
        source_classes=_classes("6A1", "6A2"),
        target_classes=[],
        rosters={},
        outcomes={},
        class_mapping={"6A2": "7A3"},
    )
    assert {c.source.name: c.target_name for c in plan.classes} == {"6A1": "7A1", "6A2": "7A3"}


def test_mapping_to_a_name_of_the_wrong_grade_names_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        plan_rollover(
            source_classes=_classes("6A1"), target_classes=[], rosters={}, outcomes={}, class_mapping={"6A1": "8A1"}
        )
    assert err.value.extensions["field"] == "class_mapping.6A1"


def test_two_classes_cannot_move_into_one() -> None:
    with pytest.raises(InvalidInput):
        plan_rollover(
            source_classes=_classes("6A1", "6A2"),
            target_classes=[],
            rosters={},
            outcomes={},
            class_mapping={"6A2": "7A1"},
        )


def test_mapping_of_an_unknown_class_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        plan_rollover(
            source_classes=_classes("6A1"), target_classes=[], rosters={}, outcomes={}, class_mapping={"6B": "7B"}
        )
    assert err.value.extensions["field"] == "class_mapping.6B"


def test_existing_class_of_next_year_is_reused() -> None:
    existing = [ClassRef("next-7A1", "7A1", 7)]
    plan = plan_rollover(
        source_classes=_classes("6A1"), target_classes=existing, rosters=_roster("6A1", "an"), outcomes={"an": P}
    )
    assert plan.new_classes == []
    assert plan.promoted[0].to_class_id == "next-7A1"


def test_existing_class_of_next_year_with_another_grade_conflicts() -> None:
    with pytest.raises(Conflict):
        plan_rollover(
            source_classes=_classes("6A1"),
            target_classes=[ClassRef("x", "7A1", 8)],
            rosters={},
            outcomes={},
        )


def test_once_carried_nothing_is_left_to_do() -> None:
    # After execution the year's classes are empty and next year's classes exist: the plan is empty.
    plan = plan_rollover(
        source_classes=_classes("6A1", "9A1"),
        target_classes=[ClassRef("n", "7A1", 7)],
        rosters={},
        outcomes={},
    )
    assert plan.empty
