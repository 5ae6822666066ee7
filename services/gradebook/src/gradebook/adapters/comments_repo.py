"""Reading and writing the subject teachers' comments (nhận xét)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gradebook.adapters.orm_comments import subject_comments


class CommentsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sheet(self, *, class_id: str, subject_code: str, semester: int) -> dict[str, str]:
        """Student id → current comment of one sheet."""
        t = subject_comments
        rows = await self.session.execute(
            sa.select(t.c.student_id, t.c.text).where(
                t.c.class_id == class_id, t.c.subject_code == subject_code, t.c.semester == semester
            )
        )
        return {r.student_id: r.text for r in rows}

    async def set(
        self,
        *,
        class_id: str,
        subject_code: str,
        semester: int,
        student_id: str,
        school_id: str,
        text: str | None,
        by: str,
        at: datetime,
    ) -> None:
        """Replace (or clear, with None) one comment; its history is in the audit trail."""
        t = subject_comments
        await self.session.execute(
            sa.delete(t).where(
                t.c.class_id == class_id,
                t.c.subject_code == subject_code,
                t.c.semester == semester,
                t.c.student_id == student_id,
            )
        )
        if text is not None:
            await self.session.execute(
                sa.insert(t).values(
                    class_id=class_id,
                    subject_code=subject_code,
                    semester=semester,
                    student_id=student_id,
                    school_id=school_id,
                    text=text,
                    updated_by=by,
                    updated_at=at,
                )
            )
