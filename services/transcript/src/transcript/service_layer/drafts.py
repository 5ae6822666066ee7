"""Rebuilding drafts: whenever a transcript's inputs change, its draft is assembled again and announced."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from edu_shared.contracts.transcript import TranscriptDrafted
from transcript.domain.assembly import assemble
from transcript.domain.transcript import Transcript
from transcript.service_layer.uow import TranscriptUnitOfWork


async def rebuild_drafts(uow: TranscriptUnitOfWork, student_ids: Iterable[str], *, now: datetime) -> list[Transcript]:
    """Re-assemble the students' transcripts; store and announce those whose content changed.

    The stored content is always the working draft. Once a version was submitted it is frozen apart from it
    (service_layer/lifecycle.py): a change here only marks the transcript `stale` until a new version is signed.
    """
    changed: list[Transcript] = []
    for student_id in sorted(set(student_ids)):
        for facts in await uow.transcripts.facts(student_id):
            transcript = assemble(facts)
            if not transcript.pages:
                continue
            status = await uow.transcripts.status(transcript.id)
            sha = await uow.transcripts.save_draft(transcript, now=now)
            if sha is None:
                continue
            if status not in (None, "draft"):
                await uow.versions.refresh_stale(transcript.id)
            uow.emit(
                TranscriptDrafted(
                    transcript_id=transcript.id,
                    school_id=transcript.school_id,
                    student_id=transcript.student_id,
                    level=transcript.level,
                    school_years=[p.school_year for p in transcript.pages],
                    verification_code=transcript.verification_code,
                    content_sha256=sha,
                    drafted_at=now,
                ),
                partition_key=transcript.school_id,
                subject=transcript.id,
            )
            changed.append(transcript)
    return changed
