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

    A transcript that left the draft state (submitted for signing, signed) is never rebuilt: corrections to it
    become a new version, which the lifecycle owns.
    """
    changed: list[Transcript] = []
    for student_id in sorted(set(student_ids)):
        for facts in await uow.transcripts.facts(student_id):
            transcript = assemble(facts)
            if not transcript.pages:
                continue
            if await uow.transcripts.status(transcript.id) not in (None, "draft"):
                continue
            sha = await uow.transcripts.save_draft(transcript, now=now)
            if sha is None:
                continue
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
