"""The platform as a user starts it: `edu up` in embedded mode, then only HTTP.

All six services answer on one port within a minute, the demo province is visible, and a school created in
identity reaches every other service through outbox → embedded bus → inbox. Bad input gets problem+json.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

SERVICES = ["identity", "gradebook", "transcript", "signing", "reporting", "notifications"]
EDU = str(Path(sys.executable).with_name("edu"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise AssertionError(f"edu up exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"platform not healthy within {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("embedded")
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
        proc_env = {**env, "IDENTITY_DATA_DIR": str(data / "var")}
        token = subprocess.run(
            [EDU, "dev-token"], env=proc_env, check=True, capture_output=True, text=True
        ).stdout.strip()
        os.environ["EDU_E2E_TOKEN"] = token
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.environ.pop("EDU_E2E_TOKEN", None)


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {os.environ['EDU_E2E_TOKEN']}"}


def _eventually(check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def test_every_service_is_healthy_behind_one_port(platform: str) -> None:
    body = httpx.get(f"{platform}/healthz").json()
    assert body["status"] == "ok"
    assert sorted(body["services"]) == sorted(SERVICES)
    for name in SERVICES:
        assert httpx.get(f"{platform}/api/{name}/healthz").json()["service"] == name


def test_demo_province_is_visible_in_identity_and_in_every_projection(platform: str) -> None:
    schools = httpx.get(f"{platform}/api/identity/schools").json()
    assert "Trường THCS Hòa Lạc" in {s["name"] for s in schools}
    units = httpx.get(f"{platform}/api/identity/org-units").json()
    assert {u["kind"] for u in units} == {"department", "commune"}
    for name in SERVICES[1:]:
        _eventually(lambda n=name: len(httpx.get(f"{platform}/api/{n}/directory/schools").json()) == len(schools))


def test_new_school_flows_from_identity_to_every_service(platform: str) -> None:
    units = httpx.get(f"{platform}/api/identity/org-units").json()
    commune = next(u for u in units if u["code"] == "xa-hoa-lac")
    created = httpx.post(
        f"{platform}/api/identity/schools",
        headers=_auth(),
        json={
            "org_unit_id": commune["id"],
            "moet_code": "mnhoalac",
            "name": "Trường Mầm non Hòa Lạc",
            "levels": ["mam_non"],
        },
    )
    assert created.status_code == 201, created.text
    school_id = created.json()["id"]
    for name in SERVICES[1:]:
        _eventually(
            lambda n=name: school_id in {s["id"] for s in httpx.get(f"{platform}/api/{n}/directory/schools").json()}
        )


def test_bad_input_gets_problem_json_and_changes_nothing(platform: str) -> None:
    before = httpx.get(f"{platform}/api/identity/schools").json()
    missing_unit = httpx.post(
        f"{platform}/api/identity/schools",
        headers=_auth(),
        json={"org_unit_id": "no-such-unit", "moet_code": "thcsx", "name": "Trường X", "levels": ["thcs"]},
    )
    assert missing_unit.status_code in {403, 404}
    assert missing_unit.headers["content-type"].startswith("application/problem+json")
    bad_level = httpx.post(
        f"{platform}/api/identity/schools",
        headers=_auth(),
        json={
            "org_unit_id": before[0]["org_unit_id"],
            "moet_code": "thcsx",
            "name": "Trường X",
            "levels": ["lop-hoc-them"],
        },
    )
    assert bad_level.status_code == 422
    assert bad_level.json()["errors"][0]["field"] == "body.levels.0"
    assert bad_level.json()["errors"][0]["value"] == "lop-hoc-them"
    duplicate = httpx.post(
        f"{platform}/api/identity/schools",
        headers=_auth(),
        json={
            "org_unit_id": before[0]["org_unit_id"],
            "moet_code": before[0]["moet_code"],
            "name": "Trùng mã",
            "levels": ["thcs"],
        },
    )
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "moet_code"
    anonymous = httpx.post(f"{platform}/api/identity/schools", json={})
    assert anonymous.status_code in {401, 422}
    garbage = httpx.post(
        f"{platform}/api/identity/schools",
        headers={**_auth(), "content-type": "application/json"},
        content=b"{not json",
    )
    assert garbage.status_code == 422
    assert httpx.get(f"{platform}/api/identity/schools").json() == before


def test_demo_teacher_signs_in_and_carries_their_classes(platform: str) -> None:
    import jwt

    response = httpx.post(
        f"{platform}/api/identity/auth/login", json={"username": "anvn.thcshoalac", "password": "Demo@2026-edu"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "signed_in"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    roles = {g["role"] for g in claims["grants"]}
    assert roles == {"subject_teacher", "homeroom_teacher"}
    me = httpx.get(f"{platform}/api/identity/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "anvn.thcshoalac"


def test_principal_must_enrol_a_second_factor_and_a_wrong_password_is_refused(platform: str) -> None:
    enrol = httpx.post(
        f"{platform}/api/identity/auth/login", json={"username": "binhtt.thcshoalac", "password": "Demo@2026-edu"}
    )
    assert enrol.json()["status"] == "totp_enrollment_required"
    wrong = httpx.post(
        f"{platform}/api/identity/auth/login", json={"username": "binhtt.thcshoalac", "password": "sai-mat-khau-123"}
    )
    assert wrong.status_code == 401
    assert wrong.headers["content-type"].startswith("application/problem+json")


def test_teacher_enters_scores_and_the_sheet_averages_them(platform: str) -> None:
    """Identity's demo roster reached the gradebook over the bus; a teacher fills a row and gets ĐTBmhk."""
    import jwt

    login = httpx.post(
        f"{platform}/api/identity/auth/login", json={"username": "anvn.thcshoalac", "password": "Demo@2026-edu"}
    ).json()
    token = login["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    class_id = next(
        g["scope_id"] for g in claims["grants"] if g["role"] == "subject_teacher" and g["scope_id"].endswith(":toan")
    ).split(":")[0]
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{platform}/api/gradebook/classes/{class_id}/subjects/toan/semesters/1/scores"
    sheet: dict[str, object] = {}

    def roster_arrived() -> bool:
        nonlocal sheet
        response = httpx.get(url, headers=headers)
        sheet = response.json()
        return response.status_code == 200 and len(sheet["students"]) == 30  # type: ignore[arg-type]

    _eventually(roster_arrived)
    assert sheet["columns"] == ["TX1", "TX2", "TX3", "TX4", "GK", "CK"]
    student = sheet["students"][0]["student_id"]  # type: ignore[index]
    entries = [
        {"student_id": student, "column": c, "value": v}
        for c, v in [("TX1", "8"), ("TX2", "7,5"), ("TX3", 9), ("TX4", "6"), ("GK", "7"), ("CK", "8.25")]
    ]
    saved = httpx.put(url, headers=headers, json={"entries": entries})
    assert saved.status_code == 200, saved.text
    row = next(r for r in saved.json()["sheet"]["students"] if r["student_id"] == student)
    # (8 + 7.5 + 9 + 6 + 2·7 + 3·8.3) / 9 = 69.4 / 9 = 7.71… → 7.7 (CK 8.25 is stored as 8.3)
    assert row["values"]["CK"] == "8.3" and row["average"] == "7.7"
    bad = httpx.put(url, headers=headers, json={"entries": [{"student_id": student, "column": "TX1", "value": "11"}]})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_homeroom_teacher_reads_the_class_results_and_nobody_elses(platform: str) -> None:
    import jwt

    token = httpx.post(
        f"{platform}/api/identity/auth/login", json={"username": "anvn.thcshoalac", "password": "Demo@2026-edu"}
    ).json()["access_token"]
    grants = jwt.decode(token, options={"verify_signature": False})["grants"]
    homeroom = next(g["scope_id"] for g in grants if g["role"] == "homeroom_teacher")
    other = next(
        g["scope_id"].split(":")[0]
        for g in grants
        if g["role"] == "subject_teacher" and not g["scope_id"].startswith(homeroom)
    )
    headers = {"Authorization": f"Bearer {token}"}
    results: dict[str, object] = {}

    def arrived() -> bool:
        nonlocal results
        response = httpx.get(f"{platform}/api/gradebook/classes/{homeroom}/results", headers=headers)
        results = response.json()
        return response.status_code == 200 and len(results["students"]) == 30  # type: ignore[arg-type]

    _eventually(arrived)
    assert "toan" in results["subjects"] and "gdtc" in results["subjects"]  # type: ignore[operator]
    first = results["students"][0]  # type: ignore[index]
    assert first["learning"] == {"semester1": None, "semester2": None, "year": None}, "no end-of-term scores yet"
    refused = httpx.get(f"{platform}/api/gradebook/classes/{other}/results", headers=headers)
    assert refused.status_code == 403


def test_demo_gradebook_holds_the_first_half_of_semester_one(platform: str) -> None:
    """The demo's regular scores and mid-terms were entered through the gradebook, and the audit trail shows them."""
    import jwt

    token = httpx.post(
        f"{platform}/api/identity/auth/login", json={"username": "anvn.thcshoalac", "password": "Demo@2026-edu"}
    ).json()["access_token"]
    grants = jwt.decode(token, options={"verify_signature": False})["grants"]
    class_id, subject = next(
        g["scope_id"].split(":")
        for g in grants
        if g["role"] == "subject_teacher" and not g["scope_id"].endswith(":toan")
    )
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{platform}/api/gradebook/classes/{class_id}/subjects/{subject}/semesters/1/scores"
    sheet: dict[str, object] = {}

    def entered() -> bool:
        nonlocal sheet
        response = httpx.get(url, headers=headers)
        sheet = response.json()
        return response.status_code == 200 and int(sheet["version"]) > 0  # type: ignore[call-overload]

    _eventually(entered)
    rows = sheet["students"]  # type: ignore[index]
    assert len(rows) == 30 and all(r["values"]["GK"] and r["values"]["CK"] is None for r in rows)  # type: ignore[union-attr]
