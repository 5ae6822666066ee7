"""A school year's results as an Open Badges 3.0 achievement credential (JSON-LD), issued by the school.

One credential per year page of a signed version: the achievement is the year in that class, its results the
subject results (scores as raw scores 0–10, ratings as letter grades), the learning and training results and the
year's outcome. The subject is identified by name and by a salted hash of the national ID, never the ID itself.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from transcript.domain.labels import LEVEL_TITLES, outcome_label
from transcript.domain.transcript import Transcript, YearPage, mark_text

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
_NAMESPACE = uuid.UUID("1b3c5a62-9d43-4f7e-8a51-2f0e6c7d9b14")


def school_did(base_url: str, school_id: str) -> str:
    """did:web of the school: resolves to `<base_url>/api/transcript/schools/<school_id>/did.json`."""
    parts = urlsplit(base_url)
    host = quote(parts.netloc, safe="")  # a port's colon is percent-encoded in did:web
    path = [p for p in parts.path.split("/") if p] + ["api", "transcript", "schools", school_id]
    return ":".join(["did:web", host, *(quote(p, safe="") for p in path)])


def did_document(did: str, kid: str, public_jwk: dict[str, Any]) -> dict[str, Any]:
    """The DID document publishing the school's verification key (JsonWebKey2020)."""
    method = f"{did}#{kid}"
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did,
        "verificationMethod": [{"id": method, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": public_jwk}],
        "assertionMethod": [method],
    }


def _result_type(value: str) -> str:
    return "LetterGrade" if not value.replace(".", "", 1).isdigit() else "RawScore"


def year_credential(
    t: Transcript, page: YearPage, *, version: int, issuer_did: str, verify_url: str, valid_from: datetime
) -> dict[str, Any]:
    """The OB 3.0 `OpenBadgeCredential` of one year page."""
    credential_id = f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{t.id}/{version}/{page.school_year}')}"
    achievement_id = f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{page.school_id}/{page.class_id}/{page.school_year}')}"
    descriptions = [
        {
            "id": f"{achievement_id}#{s.code}",
            "type": ["ResultDescription"],
            "name": s.name,
            "resultType": _result_type(mark_text(s.year)),
            **({"valueMin": "0", "valueMax": "10"} if _result_type(mark_text(s.year)) == "RawScore" else {}),
        }
        for s in page.subjects
    ]
    results: list[dict[str, Any]] = [
        {"type": ["Result"], "resultDescription": f"{achievement_id}#{s.code}", "value": mark_text(s.retest or s.year)}
        for s in page.subjects
        if (s.retest or s.year) is not None
    ]
    summary = {
        "hoc_tap": ("Kết quả học tập cả năm", page.learning.get("year") or page.education_result.get("year")),
        "ren_luyen": ("Kết quả rèn luyện cả năm", page.training.get("year")),
        "ket_qua": ("Kết quả cả năm", outcome_label(page)),
        "khen_thuong": ("Khen thưởng", page.award),
    }
    for code, (name, value) in summary.items():
        if value:
            descriptions.append(
                {"id": f"{achievement_id}#{code}", "type": ["ResultDescription"], "name": name, "resultType": "Status"}
            )
            results.append({"type": ["Result"], "resultDescription": f"{achievement_id}#{code}", "value": value})
    salt = hashlib.sha256(credential_id.encode()).hexdigest()[:16]
    identifiers: list[dict[str, Any]] = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": t.profile.full_name}
    ]
    if t.profile.national_id:
        digest = hashlib.sha256((t.profile.national_id + salt).encode()).hexdigest()
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "nationalIdentityNumber",
                "hashed": True,
                "identityHash": f"sha256${digest}",
                "salt": salt,
            }
        )
    return {
        "@context": CONTEXTS,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Học bạ năm học {page.school_year} — lớp {page.class_name}",
        "issuer": {"id": issuer_did, "type": ["Profile"], "name": page.school_name},
        "validFrom": valid_from.isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"urn:uuid:{uuid.uuid5(_NAMESPACE, t.student_id)}",
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "LearningProgram",
                "name": f"Lớp {page.class_name}, năm học {page.school_year} ({LEVEL_TITLES[t.level]})",
                "description": f"Kết quả học tập và rèn luyện năm học {page.school_year} tại {page.school_name}.",
                "criteria": {"narrative": "Đánh giá theo quy định của Bộ Giáo dục và Đào tạo (TT22/TT27)."},
                "resultDescription": descriptions,
            },
            "result": results,
        },
        "evidence": [
            {
                "id": verify_url,
                "type": ["Evidence"],
                "name": f"Học bạ số, mã tra cứu {t.verification_code}, phiên bản {version}",
            }
        ],
    }
