"""Events of the gradebook service (topic `edu.gradebook`).

Partition key: the school id, so every decision about one school's students arrives in order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from edu_shared.events.registry import EventPayload

TOPIC = "edu.gradebook"

# Lên lớp / ở lại lớp / hoàn thành cấp học (the last grade of a level: 5, 9, 12).
PromotionOutcome = Literal["promoted", "retained", "graduated"]


class StudentPromotionDecided(EventPayload, event_type="vn.edurecords.gradebook.promotion.decided", topic=TOPIC):
    """The principal approved a student's end-of-year result: promoted, retained or graduated (DOMAIN §3.1).

    A later decision for the same student and year (after a retest or summer training) replaces the earlier one.
    """

    student_id: str
    school_id: str
    school_year_id: str
    outcome: PromotionOutcome = Field(examples=["promoted"])
    decided_at: datetime


# Score entry and locks (DOMAIN §4: entry, locking, audit). Values travel as text: a score with one decimal
# ("6.5") or a rating ("Đ", "CĐ"); None when a cell was cleared.


class ScoreChange(BaseModel):
    """One cell of a score sheet that changed (not an event by itself)."""

    model_config = ConfigDict(frozen=True)

    student_id: str
    column: str = Field(examples=["TX1", "GK", "CK"])
    old: str | None
    new: str | None


class ScoresRecorded(EventPayload, event_type="vn.edurecords.gradebook.scores.recorded", topic=TOPIC):
    """A teacher's batch of score entries for one class, subject and semester was saved (`source`: entry|correction)."""

    school_id: str
    class_id: str
    subject_code: str
    school_year: str = Field(examples=["2025-2026"])
    semester: int = Field(ge=1, le=2)
    source: Literal["entry", "correction"] = "entry"
    recorded_by: str
    recorded_at: datetime
    changes: list[ScoreChange]


LockScope = Literal["column", "class_subject", "class", "school"]


class GradebookLocked(EventPayload, event_type="vn.edurecords.gradebook.lock.set", topic=TOPIC):
    """Part of a school's gradebook was locked (a column, a class's subject, a class or the whole school).

    Set by the principal, or by an upper level's inspection window (`kind="inspection"`, one event per school),
    or again after the one fix it was opened for (`relock_of`). It is in force from `starts_at` (None: `locked_at`)
    until `ends_at` (None: until lifted); a scheduled lock is announced when it is set, not when it starts.
    """

    lock_id: str
    school_id: str
    scope: LockScope
    class_id: str | None = None
    subject_code: str | None = None
    semester: int | None = None
    column: str | None = None
    locked_by: str
    locked_at: datetime
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    kind: Literal["school", "inspection"] = "school"
    window_id: str | None = None
    relock_of: str | None = None


class GradebookUnlocked(EventPayload, event_type="vn.edurecords.gradebook.lock.lifted", topic=TOPIC):
    """A lock was lifted (mở khóa): the cells it covered accept changes again."""

    lock_id: str
    school_id: str
    unlocked_by: str
    unlocked_at: datetime
    # Opened for one fix: the first save under it locks the same cells again.
    relock_after_save: bool = False
