"""Nhận xét: a subject teacher's written comment on a student's learning in a subject for a semester.

Circular 22 asks for comments on every subject (for comment-only subjects they carry the assessment); the
semester II comment is the one the transcript (học bạ) prints for the year. Pure.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from edu_shared.errors import InvalidInput

MAX_LENGTH = 500
COMMENT_COLUMN = "NX"  # how a comment is addressed by locks (a class, subject or semester lock covers it)


@dataclass(frozen=True)
class CommentEntry:
    student_id: str
    text: str | None  # None or blank clears the comment


def check_comments(entries: Sequence[CommentEntry], *, students: Mapping[str, str]) -> dict[str, str | None]:
    """Normalised comments by student; every bad entry is reported at once."""
    problems: list[dict[str, object]] = []
    found: dict[str, str | None] = {}
    for index, entry in enumerate(entries):
        text = None if entry.text is None else " ".join(unicodedata.normalize("NFC", entry.text).split()) or None
        if entry.student_id not in students:
            problems.append({"index": index, "student_id": entry.student_id, "message": "không thuộc lớp"})
        elif entry.student_id in found:
            problems.append({"index": index, "student_id": entry.student_id, "message": "nhận xét hai lần"})
        elif text is not None and len(text) > MAX_LENGTH:
            problems.append({"index": index, "student_id": entry.student_id, "message": f"dài quá {MAX_LENGTH} kí tự"})
        else:
            found[entry.student_id] = text
    if problems:
        first = problems[0]
        name = students.get(str(first["student_id"]), str(first["student_id"]))
        raise InvalidInput(
            f"Nhận xét không hợp lệ ({len(problems)} mục), ví dụ học sinh {name}: {first['message']}.",
            field=f"entries[{first['index']}]",
            value=first["student_id"],
            problems=problems,
        )
    return found
