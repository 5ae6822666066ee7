"""The student lifecycle (DOMAIN §4): year rollover (kết chuyển), transfers between schools, drop-out.

Plain dataclasses and pure functions, free of I/O. The rollover plan is computed from what the repositories
read (classes of both years, who is in each class now, each student's promotion result) and is the same
object a dry run shows and an execution applies, so the two cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from edu_shared.errors import Conflict, InvalidInput
from identity.domain.subjects import GRADES_OF_LEVEL, curriculum_level


class PromotionOutcome(StrEnum):
    PROMOTED = "promoted"  # lên lớp
    RETAINED = "retained"  # ở lại lớp
    GRADUATED = "graduated"  # hoàn thành cấp học (lớp 5, 9, 12)


class PromotionSource(StrEnum):
    GRADEBOOK = "gradebook"  # StudentPromotionDecided from the gradebook
    MANUAL = "manual"  # entered by the school while the gradebook does not publish


class ClosureReason(StrEnum):
    """Why an enrollment closed, beyond the generic `ended` status of the enrollment row."""

    GRADUATED = "graduated"
    TRANSFERRED_OUT = "transferred_out"
    DROPPED_OUT = "dropped_out"


OUTCOME_NAMES: dict[PromotionOutcome, str] = {
    PromotionOutcome.PROMOTED: "lên lớp",
    PromotionOutcome.RETAINED: "ở lại lớp",
    PromotionOutcome.GRADUATED: "hoàn thành cấp học",
}


def is_final_grade(grade: int) -> bool:
    """The last grade of a school level (5 TH, 9 THCS, 12 THPT): its students complete the level."""
    return grade == max(GRADES_OF_LEVEL[curriculum_level(grade)])


# Rename rule: the class name's leading grade number is replaced by the next grade ("6A1" → "7A1",
# "10 Toán" → "11 Toán"). A name not starting with its grade number has no automatic successor and needs an
# entry in the school's explicit mapping.
_LEADING_GRADE = re.compile(r"^(\d+)(.*)$")


def next_class_name(name: str, *, grade: int) -> str | None:
    """The name a class takes the next year by the convention above; None when the name does not follow it."""
    match = _LEADING_GRADE.match(name)
    if match is None or int(match[1]) != grade:
        return None
    return f"{grade + 1}{match[2]}"


# Plan


@dataclass(frozen=True)
class ClassRef:
    id: str
    name: str
    grade: int


@dataclass(frozen=True)
class RosterStudent:
    student_id: str
    full_name: str
    enrollment_id: str


@dataclass(frozen=True)
class ClassMove:
    """A class of year N and its successor in year N+1 (`target_id` None: the rollover opens it)."""

    source: ClassRef
    target_name: str
    target_grade: int
    target_id: str | None


@dataclass(frozen=True)
class StudentMove:
    student_id: str
    full_name: str
    enrollment_id: str
    from_class: ClassRef
    outcome: PromotionOutcome
    to_class_name: str | None  # None: graduated, or retained without a class (the school places them)
    to_class_id: str | None  # None with a name: a class this rollover opens


@dataclass(frozen=True)
class Blocker:
    student_id: str
    full_name: str
    class_name: str
    problem: str


@dataclass
class RolloverPlan:
    classes: list[ClassMove] = field(default_factory=list)
    promoted: list[StudentMove] = field(default_factory=list)
    retained: list[StudentMove] = field(default_factory=list)
    graduated: list[StudentMove] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)

    @property
    def unplaced(self) -> list[StudentMove]:
        return [m for m in self.retained if m.to_class_name is None]

    @property
    def new_classes(self) -> list[ClassMove]:
        return [c for c in self.classes if c.target_id is None]

    @property
    def empty(self) -> bool:
        return not (self.new_classes or self.promoted or self.retained or self.graduated)


def plan_rollover(
    *,
    source_classes: Sequence[ClassRef],
    target_classes: Sequence[ClassRef],
    rosters: Mapping[str, Sequence[RosterStudent]],
    outcomes: Mapping[str, PromotionOutcome],
    class_mapping: Mapping[str, str] | None = None,
    retained_mapping: Mapping[str, str] | None = None,
) -> RolloverPlan:
    """Plan the move of a school's classes and students from year N to year N+1.

    - Each class of grade g below the last grade of its level gets a successor of grade g+1, named by
      `class_mapping[name]` or else by `next_class_name`; an existing class of that name in year N+1 is reused.
    - Promoted students move to the successor; students of a last-grade class who are promoted or graduated
      complete the level; retained students stay in grade g, in the class `retained_mapping[name]` names (a
      class of grade g of year N+1, existing or opened by this rollover), or unplaced for the school to place.
    - Students without a result, or with a result that does not fit the class, are blockers: they stay where
      they are, and a later run (once the result arrives) carries them.
    - `rosters` holds only students still in a class of year N: those already carried are not there, so running
      the plan again finds nothing to do.
    """
    class_mapping = dict(class_mapping or {})
    retained_mapping = dict(retained_mapping or {})
    sources = {c.name: c for c in source_classes}
    for key, mapping in (("class_mapping", class_mapping), ("retained_mapping", retained_mapping)):
        for name in mapping:
            if name not in sources:
                raise InvalidInput(f"Năm học cũ không có lớp {name}.", field=f"{key}.{name}", value=name)
    existing = {c.name.lower(): c for c in target_classes}
    plan = RolloverPlan()
    planned: dict[str, tuple[str, int, str | None]] = {}  # lower name → (name, grade, id) of year N+1
    for c in existing.values():
        planned[c.name.lower()] = (c.name, c.grade, c.id)

    successors: dict[str, ClassMove] = {}
    for source in sorted(source_classes, key=lambda c: (c.grade, c.name)):
        if is_final_grade(source.grade):
            if source.name in class_mapping:
                raise InvalidInput(
                    f"Lớp {source.name} là lớp cuối cấp: học sinh hoàn thành cấp học, lớp không được chuyển lên.",
                    field=f"class_mapping.{source.name}",
                    value=class_mapping[source.name],
                )
            continue
        target_name = class_mapping.get(source.name) or next_class_name(source.name, grade=source.grade)
        if target_name is None:
            raise InvalidInput(
                f"Tên lớp {source.name} không bắt đầu bằng khối {source.grade}: "
                "cần ghi tên lớp năm sau trong class_mapping.",
                field=f"class_mapping.{source.name}",
                value=None,
            )
        target_name = " ".join(target_name.split())
        leading = _LEADING_GRADE.match(target_name)
        if not target_name or (leading and int(leading[1]) != source.grade + 1):
            raise InvalidInput(
                f"Tên lớp năm sau '{target_name}' không thuộc khối {source.grade + 1}.",
                field=f"class_mapping.{source.name}",
                value=target_name,
            )
        key = target_name.lower()
        if key in successors:
            raise InvalidInput(
                f"Hai lớp cùng chuyển lên lớp {target_name}.", field=f"class_mapping.{source.name}", value=target_name
            )
        found = existing.get(key)
        if found is not None and found.grade != source.grade + 1:
            raise Conflict(
                f"Năm học mới đã có lớp {found.name} thuộc khối {found.grade}, không phải khối {source.grade + 1}.",
                field=f"class_mapping.{source.name}",
                value=target_name,
            )
        move = ClassMove(
            source=source,
            target_name=found.name if found else target_name,
            target_grade=source.grade + 1,
            target_id=found.id if found else None,
        )
        successors[key] = move
        planned[key] = (move.target_name, move.target_grade, move.target_id)
        plan.classes.append(move)
    by_source = {m.source.name: m for m in plan.classes}

    for source_name, target in retained_mapping.items():
        source = sources[source_name]
        found_target = planned.get(" ".join(target.split()).lower())
        if found_target is None or found_target[1] != source.grade:
            raise InvalidInput(
                f"Học sinh ở lại lớp {source_name} cần một lớp khối {source.grade} của năm học mới; "
                f"'{target}' không phải lớp như vậy.",
                field=f"retained_mapping.{source_name}",
                value=target,
            )

    for source in sorted(source_classes, key=lambda c: (c.grade, c.name)):
        final = is_final_grade(source.grade)
        for s in rosters.get(source.id, ()):
            outcome = outcomes.get(s.student_id)
            if outcome is None:
                plan.blockers.append(
                    Blocker(s.student_id, s.full_name, source.name, "chưa có kết quả xét lên lớp của năm học")
                )
                continue
            if outcome == PromotionOutcome.GRADUATED and not final:
                plan.blockers.append(
                    Blocker(
                        s.student_id,
                        s.full_name,
                        source.name,
                        f"kết quả 'hoàn thành cấp học' không phù hợp với lớp {source.grade}",
                    )
                )
                continue
            if outcome == PromotionOutcome.RETAINED:
                placed_in = retained_mapping.get(source.name)
                spot = planned.get(" ".join(placed_in.split()).lower()) if placed_in else None
                plan.retained.append(
                    StudentMove(
                        student_id=s.student_id,
                        full_name=s.full_name,
                        enrollment_id=s.enrollment_id,
                        from_class=source,
                        outcome=outcome,
                        to_class_name=spot[0] if spot else None,
                        to_class_id=spot[2] if spot else None,
                    )
                )
            elif final:
                plan.graduated.append(
                    StudentMove(
                        student_id=s.student_id,
                        full_name=s.full_name,
                        enrollment_id=s.enrollment_id,
                        from_class=source,
                        outcome=PromotionOutcome.GRADUATED,
                        to_class_name=None,
                        to_class_id=None,
                    )
                )
            else:
                move = by_source[source.name]
                plan.promoted.append(
                    StudentMove(
                        student_id=s.student_id,
                        full_name=s.full_name,
                        enrollment_id=s.enrollment_id,
                        from_class=source,
                        outcome=outcome,
                        to_class_name=move.target_name,
                        to_class_id=move.target_id,
                    )
                )
    return plan


# Transfers (chuyển trường)


class TransferStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class TransferParty(StrEnum):
    SENDING = "sending"  # the student's school: requests and may cancel
    RECEIVING = "receiving"  # the school asked to take the student: accepts or rejects


# Who may move a request to which status: only a pending request moves, and only once.
_TRANSITIONS: dict[TransferStatus, TransferParty] = {
    TransferStatus.ACCEPTED: TransferParty.RECEIVING,
    TransferStatus.REJECTED: TransferParty.RECEIVING,
    TransferStatus.CANCELLED: TransferParty.SENDING,
}

TRANSFER_STATUS_NAMES: dict[TransferStatus, str] = {
    TransferStatus.REQUESTED: "đang chờ tiếp nhận",
    TransferStatus.ACCEPTED: "đã tiếp nhận",
    TransferStatus.REJECTED: "bị từ chối",
    TransferStatus.CANCELLED: "đã hủy",
}


class TransferNotPending(Conflict):
    slug = "transfer-not-pending"


def deciding_party(wanted: TransferStatus) -> TransferParty:
    """The school that may move a request to `wanted` (checked before anything about the request is told)."""
    if wanted not in _TRANSITIONS:
        raise InvalidInput(f"Không thể chuyển yêu cầu sang trạng thái {wanted.value}.", field="status", value=wanted)
    return _TRANSITIONS[wanted]


def check_transition(current: TransferStatus, wanted: TransferStatus) -> TransferParty:
    """The party who decides `wanted`; refuses any move out of a decided transfer."""
    deciding_party(wanted)
    if current != TransferStatus.REQUESTED:
        raise TransferNotPending(
            f"Yêu cầu chuyển trường đã {TRANSFER_STATUS_NAMES[current]}, không thể thay đổi nữa.",
            field="status",
            value=current.value,
        )
    return _TRANSITIONS[wanted]


def check_reason(reason: str | None, *, field_name: str = "reason", required: bool = True) -> str | None:
    """A reason or note: trimmed, at most 500 characters; required ones may not be blank."""
    cleaned = " ".join((reason or "").split())
    if not cleaned:
        if required:
            raise InvalidInput("Cần ghi lý do.", field=field_name, value=reason)
        return None
    if len(cleaned) > 500:
        raise InvalidInput("Lý do dài tối đa 500 ký tự.", field=field_name, value=reason)
    return cleaned
