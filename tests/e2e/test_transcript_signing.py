"""A học bạ from year approval to a signed, issued PDF, across services, against a real `edu up` with demo data.

Only HTTP and the demo accounts of the README: the school's admin board opens a one-student class in the demo
school (Toán taught by Nguyễn Văn An, also its homeroom teacher; Ngữ văn by Ngô Văn An), the teachers enter both
semesters, the principal approves semester I, II and the year; the transcript service drafts the học bạ from
`ClassResultsApproved`, the homeroom teacher submits it, each signer signs in order with the development keys
`edu up` creates, and the principal issues it. The signed PDF passes poppler's `pdfsig`, and both public
verification endpoints report it intact.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from edurecords.demo import DEMO_PASSWORD, demo_id
from edurecords.demo_people import SCHOOL, YEAR

SERVICES = ["identity", "gradebook", "transcript", "signing", "reporting", "notifications"]
EDU = str(Path(sys.executable).with_name("edu"))
G, T, S = "/api/gradebook", "/api/transcript", "/api/signing"
TEACHER_1 = demo_id("staff:thcshoalac-teacher-1")  # Nguyễn Văn An
TEACHER_2 = demo_id("staff:thcshoalac-teacher-2")  # Ngô Văn An
Headers = dict[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise AssertionError(f"edu up exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"platform not healthy within {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Path]]:
    data = tmp_path_factory.mktemp("signing-e2e")
    port = _free_port()
    log = data / "edu-up.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(s.upper() + "_" for s in SERVICES))}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [EDU, "up", "--port", str(port), "--data-dir", str(data / "var")],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, log)
        with httpx.Client(base_url=base, timeout=60) as client:
            yield client, data
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    return r.json()


def _sign_in(client: httpx.Client, username: str) -> Headers:
    """Password sign-in; principals and admins enrol an authenticator first, as the README says they must."""
    body = _ok(client.post("/api/identity/auth/login", json={"username": username, "password": DEMO_PASSWORD}))
    if body["status"] == "totp_enrollment_required":
        secret = _ok(client.post("/api/identity/auth/totp/enroll", json={"challenge": body["challenge"]}))["secret"]
        code = pyotp.TOTP(secret).now()
        body = _ok(client.post("/api/identity/auth/totp/confirm", json={"challenge": body["challenge"], "code": code}))
    assert body["status"] == "signed_in", body
    return {"Authorization": f"Bearer {body['access_token']}"}


def _eventually(fetch: Callable[[], Any], ready: Callable[[Any], bool], timeout: float = 60.0) -> Any:
    """Poll until another service has consumed the events (the bus is asynchronous); fail with the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if ready(value) or time.monotonic() > deadline:
            assert ready(value), f"not ready within {timeout}s: {value}"
            return value
        time.sleep(0.3)


def _small_class(client: httpx.Client, admin: Headers) -> tuple[str, str]:
    """A one-student class of the demo school with two subjects, their teachers and a homeroom teacher."""
    school = demo_id(SCHOOL)
    cls = _ok(
        client.post(
            f"/api/identity/schools/{school}/classes",
            headers=admin,
            json={
                "school_year": YEAR,
                "grade": 6,
                "name": f"6K{uuid.uuid4().hex[:3]}",
                "subjects": [{"code": "toan"}, {"code": "ngu_van"}],
            },
        ),
        201,
    )
    student = _ok(
        client.post(
            f"/api/identity/schools/{school}/students",
            headers=admin,
            json={"full_name": "Đỗ Minh Khang", "date_of_birth": "2015-04-02", "sex": "nam", "class_id": cls["id"]},
        ),
        201,
    )
    for subject, staff in (("toan", TEACHER_1), ("ngu_van", TEACHER_2)):
        _ok(
            client.post(
                f"/api/identity/classes/{cls['id']}/teaching-assignments",
                headers=admin,
                json={"subject_code": subject, "staff_id": staff},
            ),
            201,
        )
    _ok(client.put(f"/api/identity/classes/{cls['id']}/homeroom", headers=admin, json={"staff_id": TEACHER_1}))
    return cls["id"], student["id"]


def _approve_year(
    client: httpx.Client, class_id: str, student_id: str, teachers: dict[str, Headers], principal: Headers
) -> None:
    """Both semesters entered by the subject teachers and rated by the homeroom teacher; hk1, hk2, year approved."""
    homeroom = teachers["toan"]
    _eventually(
        lambda: client.get(f"{G}/classes/{class_id}/results/hk1", headers=homeroom),
        lambda r: r.status_code == 200 and any("Đỗ Minh Khang" in m for m in r.json()["missing"]),
    )
    for semester in (1, 2):
        for subject, headers in teachers.items():
            entries = [
                {"student_id": student_id, "column": column, "value": "8.5"}
                for column in ("TX1", "TX2", "TX3", "TX4", "GK", "CK")
            ]
            _ok(
                client.put(
                    f"{G}/classes/{class_id}/subjects/{subject}/semesters/{semester}/scores",
                    headers=headers,
                    json={"entries": entries},
                )
            )
        _ok(
            client.put(
                f"{G}/classes/{class_id}/conduct/semesters/{semester}",
                headers=homeroom,
                json={"entries": [{"student_id": student_id, "training": "Tốt"}]},
            )
        )
    for period in ("hk1", "hk2", "year"):
        approval = _ok(client.post(f"{G}/classes/{class_id}/results/{period}/submit", headers=homeroom), 201)
        decided = _ok(
            client.post(f"{G}/result-approvals/{approval['id']}/approve", headers=principal, json={"note": "Đồng ý"})
        )
        assert decided["status"] == "approved"


def test_a_transcript_is_signed_in_order_issued_and_verifiable(platform: tuple[httpx.Client, Path]) -> None:
    client, data = platform
    assert shutil.which("pdfsig"), "poppler-utils (pdfsig) is missing: run scripts/tools.sh"
    # The development PKI `edu up` created for the demo: a root, one key per demo staff member and the seal.
    pki = data / "var" / "dev-pki"
    assert (pki / "root.pem").exists() and (pki / "thcshoalac-seal.p12").exists()
    assert (pki / "thcshoalac-principal.p12").exists()

    admin = _sign_in(client, "xa-hoa-lac_thcshoalac")
    class_id, student_id = _small_class(client, admin)
    # Signed in after the assignments, so the teachers' tokens carry their new grants.
    an, an2, principal = (_sign_in(client, u) for u in ("anvn.thcshoalac", "anvn2.thcshoalac", "binhtt.thcshoalac"))
    _approve_year(client, class_id, student_id, {"toan": an, "ngu_van": an2}, principal)

    # ClassResultsApproved → the transcript service drafts the học bạ (its directory learns the class meanwhile).
    (summary,) = _eventually(
        lambda: client.get(f"{T}/students/{student_id}/transcripts", headers=an),
        lambda r: r.status_code == 200 and len(r.json()) == 1,
    ).json()
    assert (summary["status"], summary["school_years"]) == ("draft", [YEAR])
    transcript_id, code = summary["id"], summary["verification_code"]

    submitted = _ok(client.post(f"{T}/transcripts/{transcript_id}/submit", headers=an))
    assert submitted["status"] == "submitted"
    request_id = submitted["versions"][-1]["request_id"]

    # SigningRequested → the signing service's request: subject teachers → homeroom → principal → seal.
    request = _eventually(
        lambda: client.get(f"{S}/signing-requests/{request_id}", headers=an), lambda r: r.status_code == 200
    ).json()
    assert [[s["role"] for s in step["signers"]] for step in request["steps"]] == [
        ["subject_teacher", "subject_teacher"],
        ["homeroom_teacher"],
        ["principal"],
        ["school_seal"],
    ]

    def sign(headers: Headers) -> httpx.Response:
        return client.post(f"{S}/signing-requests/{request_id}/sign", headers=headers, json={})

    early = sign(principal)  # the principal before the teachers: refused, nothing signed
    assert early.status_code == 409 and early.json()["open_step"] == 1, early.text
    assert _ok(sign(an))["open_step"] == 1  # Toán signed; Ngữ văn still due in the same step
    assert sign(an).status_code == 409  # the homeroom step is not open yet
    assert _ok(sign(an2))["open_step"] == 2
    assert _ok(sign(an))["open_step"] == 3  # now as homeroom teacher
    assert _ok(sign(principal))["open_step"] == 4
    done = _ok(sign(principal))  # the principal holds the school's seal
    assert done["status"] == "completed"
    signers = [s for step in done["steps"] for s in step["signers"]]
    assert all(s["signed"] for s in signers)
    assert {s["certificate_subject"].split(",")[0] for s in signers} == {
        "CN=Nguyễn Văn An",
        "CN=Ngô Văn An",
        "CN=Trần Thị Bình",
        "CN=Trường THCS Hòa Lạc",
    }

    # SigningCompleted → the transcript is signed; the principal issues it.
    signed = _eventually(
        lambda: _ok(client.get(f"{T}/transcripts/{transcript_id}", headers=principal)),
        lambda t: t["status"] == "signed",
    )
    assert [s["role"] for s in signed["versions"][-1]["signatures"]] == [
        "subject_teacher",
        "subject_teacher",
        "homeroom_teacher",
        "principal",
        "school_seal",
    ]
    issued = _ok(client.post(f"{T}/transcripts/{transcript_id}/issue", headers=principal, json={"reason": "request"}))
    assert issued["status"] == "issued"

    pdf = client.get(f"{T}/transcripts/{transcript_id}/versions/1.pdf", headers=principal)
    assert pdf.status_code == 200 and pdf.headers["content-type"].startswith("application/pdf")
    path = data / "signed.pdf"
    path.write_bytes(pdf.content)
    # -nocert: poppler's NSS store does not know the dev root; the chain is checked by the signing service below.
    report = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, check=True).stdout
    assert report.count("Signature Validation: Signature is Valid.") == 5, report
    assert report.count("Signature #") == 5 and "Total document signed" in report

    checked = _ok(client.post(f"{S}/verify", files={"file": ("hocba.pdf", pdf.content, "application/pdf")}))
    assert checked["valid"] is True, checked
    assert len(checked["signatures"]) == 5
    assert all(s["intact"] and s["trusted"] for s in checked["signatures"]), checked

    public = _ok(client.get(f"{T}/verify/{code}"))
    assert (public["status"], public["version"], public["student_name"]) == ("issued", 1, "Đỗ Minh Khang")
    archived = _ok(client.get(f"{S}/verify/{request_id}"))
    assert archived["status"] == "completed" and archived["intact"] is True
    assert [f["intact"] for f in archived["archive"]] == [True, True]
    assert len(archived["signers"]) == 5
