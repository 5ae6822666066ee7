"""The web portal in a real browser: headless Chromium (Debian's) driven by Playwright against `edu up`.

A teacher types scores with the keyboard (one invalid value is refused with its reason), saves and sees them after
a reload; a save over someone else's change gets the conflict message; a principal enrols TOTP, locks a sheet and
approves the teacher's correction request; a parent signs in with the one-time code from the development log and
reads a score. With EDU_PORTAL_SCREENSHOTS=<dir> the tests also save screenshots of the main screens there, and
with EDU_PORTAL_TIMING=<file> the grid's time to interactive for a 45-student class is appended to that file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from gradebook.domain.rules.tt22 import semester_average
from gradebook.domain.scores import InvalidScore, parse_score

SERVICES = ["identity", "gradebook", "transcript", "signing", "reporting", "notifications"]
EDU = str(Path(sys.executable).with_name("edu"))
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Demo@2026-edu"
TEACHER = "anvn.thcshoalac"
PRINCIPAL = "binhtt.thcshoalac"
PARENT_PHONE = "0912345678"
# A 1×1 PNG: the scanned test paper attached to a correction request as its evidence.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


class Platform:
    """The running platform: its URL and data directory, and HTTP shortcuts for arranging a test."""

    def __init__(self, base: str, data: Path) -> None:
        self.base = base
        self.data = data

    def login(self, username: str) -> dict[str, Any]:
        r = httpx.post(f"{self.base}/api/identity/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def token(self, username: str) -> str:
        return str(self.login(username)["access_token"])

    def get(self, path: str, token: str) -> Any:
        r = httpx.get(f"{self.base}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    def send(self, method: str, path: str, token: str, body: object) -> Any:
        r = httpx.request(
            method, f"{self.base}{path}", headers={"Authorization": f"Bearer {token}"}, json=body, timeout=30
        )
        assert r.status_code in (200, 201), r.text
        return r.json()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _eventually(check: Callable[[], Any], timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
            if found:
                return found
        except (AssertionError, httpx.HTTPError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the platform")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data = tmp_path_factory.mktemp("portal")
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

        def healthy() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"edu up exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200

        _eventually(healthy)
        yield Platform(base, data / "var")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab; any uncaught script error or Content-Security-Policy violation fails the test."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    opened.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    try:
        yield opened
    finally:
        context.close()
    assert not problems, problems


def _admin_token(platform: Platform) -> str:
    env = {**os.environ, "IDENTITY_DATA_DIR": str(platform.data)}
    done = subprocess.run([EDU, "dev-token"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


@dataclass(frozen=True)
class Sheets:
    """The teacher's Toán sheets of semester I (API paths), the parent's child and her class's sheet."""

    others: list[str]
    child_id: str
    child_sheet: str


@pytest.fixture(scope="module")
def sheets(platform: Platform) -> Sheets:
    token = platform.token(TEACHER)
    me = platform.get("/api/identity/auth/me", token)
    classes = sorted(
        g["scope_id"].split(":")[0]
        for g in me["grants"]
        if g["role"] == "subject_teacher" and g["scope_id"].endswith(":toan")
    )
    paths = [f"/api/gradebook/classes/{c}/subjects/toan/semesters/1" for c in classes]
    # The roster reaches the gradebook over the bus a little after start-up.
    _eventually(lambda: all(platform.get(f"{p}/scores", token)["students"] for p in paths))
    admin = _admin_token(platform)
    school = next(s for s in platform.get("/api/identity/schools", admin) if s["name"] == "Trường THCS Hòa Lạc")
    child = next(
        s
        for s in platform.get(f"/api/identity/schools/{school['id']}/students?q=Châu", admin)["items"]
        if s["full_name"] == "Lê Minh Châu"
    )
    child_sheet = next(
        p
        for p in paths
        if any(st["student_id"] == child["id"] for st in platform.get(f"{p}/scores", token)["students"])
    )
    return Sheets([p for p in paths if p != child_sheet], child["id"], child_sheet)


def _shot(page: Page, name: str) -> None:
    where = os.environ.get("EDU_PORTAL_SCREENSHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(where) / f"{name}.png"), full_page=False)


def _sign_in(page: Page, platform: Platform, username: str, *, second_factor: bool = False) -> None:
    page.goto(f"{platform.base}/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    if not second_factor:
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def _hash_of(path: str) -> str:
    m = re.match(r"/api/gradebook/classes/([^/]+)/subjects/([^/]+)/semesters/(\d)", path)
    assert m is not None
    return f"#/so-diem/{m[1]}/{m[2]}/{m[3]}"


def _cell(page: Page, row: int, column: str) -> Any:
    return page.locator(f'#grid input[data-row="{row}"][data-column="{column}"]')


def _average(values: dict[str, str | None], columns: list[str]) -> str:
    regular = [Decimal(values[c] or "0") for c in columns if c.startswith("TX")]
    total = sum(regular, Decimal(0)) + 2 * Decimal(values["GK"] or "0") + 3 * Decimal(values["CK"] or "0")
    return str((total / (len(regular) + 5)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def test_teacher_types_scores_with_the_keyboard_and_sees_them_after_reload(
    page: Page, platform: Platform, sheets: Sheets
) -> None:
    path = sheets.others[0]
    _sign_in(page, platform, TEACHER)
    expect(page.get_by_role("heading", name="Lớp và môn của tôi")).to_be_visible()
    expect(page.locator("#my-sheets")).to_contain_text("Toán")
    _shot(page, "classes")
    page.goto(f"{platform.base}/{_hash_of(path)}")
    expect(page.locator("#grid")).to_be_visible()
    columns = platform.get(f"{path}/scores", platform.token(TEACHER))["columns"]
    assert columns[-2:] == ["GK", "CK"]

    # Type the first student's row from the first cell, moving right with the arrow keys; the average follows.
    typed = dict(zip(columns, ["8,5", "7", "6,25", "9", "7,5", "8"][-len(columns) :], strict=True))
    _cell(page, 0, columns[0]).click()
    for n, column in enumerate(columns):
        page.keyboard.type(typed[column])
        if n < len(columns) - 1:
            page.keyboard.press("ArrowRight")
    stored = {
        c: str(Decimal(v.replace(",", ".")).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) for c, v in typed.items()
    }
    expect(page.locator("#avg-0")).to_have_text(_average(stored, columns))

    # Enter goes down a row; an out-of-range score is refused at once with its reason, and blocks the save.
    page.keyboard.press("Enter")
    page.keyboard.type("11")
    expect(_cell(page, 1, "CK")).to_have_class(re.compile(r"\bbad\b"))
    expect(page.locator("#cell-error")).to_contain_text("'11' phải nằm trong khoảng 0–10")
    _shot(page, "grid")
    page.get_by_role("button", name=re.compile("^Lưu")).click()
    expect(page.locator("#grid-messages")).to_contain_text("Còn 1 ô không hợp lệ")
    _cell(page, 1, "CK").press("Escape")
    page.get_by_role("button", name=re.compile("^Lưu")).click()
    expect(page.locator("#grid-messages")).to_contain_text(f"Đã lưu {len(columns)} điểm")

    page.reload()
    for column in columns:
        expect(_cell(page, 0, column)).to_have_value(stored[column])
    expect(page.locator("#avg-0")).to_have_text(_average(stored, columns))
    saved = platform.get(f"{path}/scores", platform.token(TEACHER))["students"][0]
    assert saved["values"] == stored
    assert str(saved["average"]) == _average(stored, columns)


def test_pasting_a_column_from_excel_fills_down(page: Page, platform: Platform, sheets: Sheets) -> None:
    _sign_in(page, platform, TEACHER)
    expect(page.get_by_role("heading", name="Lớp và môn của tôi")).to_be_visible()
    page.goto(f"{platform.base}/{_hash_of(sheets.others[1])}")
    _cell(page, 0, "CK").click()
    page.evaluate(
        """() => {
            const data = new DataTransfer();
            data.setData("text/plain", "6,5\\r\\n7\\r\\nabc\\r\\n");
            const event = new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true});
            document.activeElement.dispatchEvent(event);
        }"""
    )
    expect(_cell(page, 0, "CK")).to_have_value("6,5")
    expect(_cell(page, 1, "CK")).to_have_value("7")
    expect(_cell(page, 2, "CK")).to_have_class(re.compile(r"\bbad\b"))
    expect(page.get_by_role("button", name=re.compile("^Lưu"))).to_have_text("Lưu (2 thay đổi)")


def test_saving_over_someone_elses_change_shows_who_changed_what(
    page: Page, platform: Platform, sheets: Sheets
) -> None:
    path = sheets.others[1]
    _sign_in(page, platform, TEACHER)
    expect(page.get_by_role("heading", name="Lớp và môn của tôi")).to_be_visible()
    page.goto(f"{platform.base}/{_hash_of(path)}")
    expect(page.locator("#grid")).to_be_visible()
    token = platform.token(TEACHER)
    sheet = platform.get(f"{path}/scores", token)
    other = sheet["students"][1]
    # Meanwhile the sheet changes elsewhere (another tab, the Excel import…).
    platform.send(
        "PUT",
        f"{path}/scores",
        token,
        {
            "entries": [{"student_id": other["student_id"], "column": "CK", "value": "6"}],
            "expected_version": sheet["version"],
        },
    )
    _cell(page, 0, "CK").fill("8")
    page.get_by_role("button", name=re.compile("^Lưu")).click()
    conflict = page.locator("#conflict")
    # The gradebook names the author as its history records them (the display name, or the account name).
    author = r"(Nguyễn Văn An|anvn\.thcshoalac)"
    expect(conflict).to_contain_text(re.compile(f"Bảng điểm đã có 1 thay đổi của {author}"))
    expect(conflict).to_contain_text(re.compile(f"{other['full_name']}, cột CK: \\(trống\\) → 6\\.0 — {author}"))
    _shot(page, "conflict")
    # Nothing of the refused batch was written, and the typed score is still on screen.
    assert platform.get(f"{path}/scores", token)["students"][0]["values"] == sheet["students"][0]["values"]
    expect(_cell(page, 0, "CK")).to_have_value("8")


def test_browser_rules_agree_with_the_gradebook_domain(page: Page, platform: Platform) -> None:
    """rules.js mirrors gradebook/domain for instant feedback: same accepted values, same rounding, same ĐTBmhk."""
    typed = (
        "0 10 10.0 10,00 10.04 10.05 -1 6,25 6.35 6.249 7, 8.55 9.95 abc 5.05 0.04 0,05 11 1e1 7.5.1 .5 +7 5E-1 "
        "100 010 - ."
    ).split() + ["", " 5 "]
    page.goto(f"{platform.base}/")
    got = page.evaluate(
        """async (typed) => {
            const rules = await import("/js/rules.js");
            return typed.map((t) => rules.checkCell("score", t));
        }""",
        typed,
    )
    for text, answer in zip(typed, got, strict=True):
        if not text.strip():
            assert answer == {"value": None}
            continue
        try:
            expected: str | None = str(parse_score(text))
        except InvalidScore:
            expected = None
        assert answer.get("value") == expected, (text, answer, expected)

    rows = [
        (["8.0", "7.5"], "6.5", "7.0"),
        (["10.0", "9.5", "8.0", "6.5"], "7.0", "5.5"),
        (["3.3", "4.4", "5.5"], "6.6", "7.7"),
        (["9.9", "0.1"], "5.0", "5.1"),
    ]
    for regular, midterm, final in rows:
        columns = [f"TX{i + 1}" for i in range(len(regular))] + ["GK", "CK"]
        values = dict(zip(columns, [*regular, midterm, final], strict=True))
        browser_average = page.evaluate(
            """async ([columns, values]) => (await import("/js/rules.js")).semesterResult(columns, values, "scored")""",
            [columns, values],
        )
        expected_average = semester_average(
            regular=[Decimal(v) for v in regular],
            midterm=Decimal(midterm),
            final=Decimal(final),
            required_regular=len(regular),
        )
        assert browser_average == str(expected_average), (values, browser_average, expected_average)


def test_homeroom_teacher_reads_results_and_rates_conduct(page: Page, platform: Platform, sheets: Sheets) -> None:
    _sign_in(page, platform, TEACHER)
    page.get_by_role("link", name="Lớp chủ nhiệm").click()
    expect(page.get_by_role("heading", name=re.compile("^Lớp chủ nhiệm"))).to_be_visible()
    # Semester I is far from complete: the page says what is missing and submission waits.
    expect(page.get_by_text(re.compile("Chưa đủ dữ liệu để gửi duyệt"))).to_be_visible()
    expect(page.get_by_role("button", name="Gửi duyệt kết quả")).to_be_disabled()

    page.get_by_role("link", name="Rèn luyện").click()
    first = page.locator("#conduct tbody tr").first
    name = first.locator("td").nth(1).text_content() or ""
    first.get_by_label(f"Rèn luyện của {name}", exact=True).select_option("Tốt")
    first.get_by_label(f"Nhận xét rèn luyện của {name}").fill("Chăm ngoan, giúp đỡ bạn bè")
    page.get_by_role("button", name="Lưu rèn luyện").click()
    expect(page.get_by_text("Đã lưu rèn luyện của 1 học sinh.")).to_be_visible()
    page.reload()
    expect(page.locator("#conduct tbody tr").first.locator("select")).to_have_value("Tốt")


def _totp(secret: str, *, at: float | None = None, period: int = 30, digits: int = 6) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // period)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(code).zfill(digits)


def test_principal_approves_a_teachers_correction_of_a_locked_score(
    browser: Browser, page: Page, platform: Platform, sheets: Sheets
) -> None:
    path = sheets.others[2]
    class_id = path.split("/")[4]
    # The principal's first sign-in enrols an authenticator app: the page shows the secret to type into it.
    _sign_in(page, platform, PRINCIPAL, second_factor=True)
    expect(page.get_by_role("heading", name="Bật xác thực hai lớp")).to_be_visible()
    uri = page.locator("#totp-uri").text_content() or ""
    query = parse_qs(urlparse(uri).query)
    secret = query["secret"][0]
    page.get_by_label("Mã 6 số từ ứng dụng").fill(_totp(secret, period=int(query.get("period", ["30"])[0])))
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("heading", name="Phê duyệt và khóa sổ")).to_be_visible()

    # Lock the class's Toán sheet for semester I.
    page.get_by_role("link", name="Khóa sổ", exact=True).click()
    page.get_by_label("Phạm vi").select_option("class_subject")
    page.get_by_label("Lớp", exact=True).select_option(class_id)
    page.get_by_label("Mã môn (khi khóa một môn)").fill("toan")
    page.get_by_label("Học kì").select_option("1")
    page.get_by_role("button", name="Khóa sổ", exact=True).click()
    expect(page.locator("#locks")).to_contain_text("toan")

    # The teacher sees the columns locked and asks for a correction of one cell.
    teacher = browser.new_context(locale="vi-VN").new_page()
    _sign_in(teacher, platform, TEACHER)
    teacher.goto(f"{platform.base}/{_hash_of(path)}")
    expect(_cell(teacher, 0, "GK")).to_have_attribute("readonly", "")
    student = teacher.locator("#n-0").text_content()
    _cell(teacher, 0, "GK").click()
    teacher.get_by_role("button", name="Yêu cầu sửa điểm đã khóa").click()
    teacher.get_by_label("Giá trị mới").fill("9,5")
    teacher.get_by_label("Lí do sửa").fill("Chấm sót câu 3, đã phúc khảo")
    teacher.get_by_label(re.compile("^Tệp minh chứng")).set_input_files(
        {"name": "bai-kiem-tra.png", "mimeType": "image/png", "buffer": PNG}
    )
    teacher.get_by_role("button", name="Gửi yêu cầu").click()
    expect(teacher.locator("#grid-messages")).to_contain_text("Đã gửi yêu cầu sửa điểm GK")
    teacher.context.close()

    # The principal approves it with a note; the score changes.
    page.get_by_role("link", name="Yêu cầu sửa điểm", exact=True).click()
    row = page.locator("#pending-corrections tbody tr").filter(has_text=student or "")
    expect(row).to_contain_text("→ 9.5")
    _shot(page, "approvals")
    row.get_by_label(re.compile("Ghi chú")).fill("Đồng ý theo biên bản phúc khảo")
    row.get_by_role("button", name="Phê duyệt").click()
    expect(page.get_by_text("Không có yêu cầu sửa điểm nào đang chờ.")).to_be_visible()
    expect(page.get_by_text("Đã phê duyệt — Đồng ý theo biên bản phúc khảo")).to_be_visible()
    assert platform.get(f"{path}/scores", platform.token(TEACHER))["students"][0]["values"]["GK"] == "9.5"

    # Signing out and in again now asks for the authenticator's code (the next step's: each code is used once).
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    _sign_in(page, platform, PRINCIPAL, second_factor=True)
    page.get_by_label("Mã 6 số từ ứng dụng xác thực").fill(_totp(secret, at=time.time() + 30))
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Phê duyệt và khóa sổ")).to_be_visible()


def test_parent_signs_in_with_a_one_time_code_and_reads_a_score(page: Page, platform: Platform, sheets: Sheets) -> None:
    token = platform.token(TEACHER)
    columns = platform.get(f"{sheets.child_sheet}/scores", token)["columns"]
    row = dict(zip(columns, ["8.5", "9.0", "7.5", "8.0", "7.0", "8.5"][-len(columns) :], strict=True))
    entries = [{"student_id": sheets.child_id, "column": c, "value": v} for c, v in row.items()]
    platform.send("PUT", f"{sheets.child_sheet}/scores", token, {"entries": entries})
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{platform.base}/")
    page.get_by_role("button", name="Phụ huynh").click()
    page.get_by_label("Số điện thoại").fill(PARENT_PHONE)
    page.get_by_role("button", name="Nhận mã đăng nhập").click()
    expect(page.get_by_label("Mã đăng nhập (6 số)")).to_be_visible()
    otp_log = platform.data / "dev-otp.log"
    code = _eventually(lambda: otp_log.exists() and re.findall(r"\+84912345678 (\d{6})", otp_log.read_text()))[-1]
    page.get_by_label("Mã đăng nhập (6 số)").fill(code)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Kết quả học tập")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Lê Minh Châu — Lớp"))).to_be_visible()

    # The scores shown are the ones the teacher entered, with the semester average.
    expect(page.locator("#attendance-summary")).to_contain_text("Nghỉ có phép")
    card = page.locator(f'#scores-{sheets.child_id} li[data-subject="toan"]')
    expect(card).to_contain_text("Toán")
    expect(card.locator("dd")).to_have_text(list(row.values()))
    expect(card).to_contain_text(f"Điểm trung bình môn học kì: {_average(row, columns)}")
    card.scroll_into_view_if_needed()
    _shot(page, "parent")

    # The same API refuses the parent another child's scores.
    access = page.evaluate("() => JSON.parse(sessionStorage.getItem('edu.session')).access")
    classmates = platform.get(f"{sheets.child_sheet}/scores", platform.token(TEACHER))["students"]
    other = next(s["student_id"] for s in classmates if s["student_id"] != sheets.child_id)
    refused = httpx.get(
        f"{platform.base}/api/gradebook/students/{other}/scores", headers={"Authorization": f"Bearer {access}"}
    )
    assert refused.status_code == 403, refused.text


def test_sign_in_page(page: Page, platform: Platform) -> None:
    page.goto(f"{platform.base}/")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    page.get_by_label("Tên đăng nhập").fill(TEACHER)
    page.get_by_label("Mật khẩu").fill("sai-mat-khau-1")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _shot(page, "signin")


GRID_TIMING = """() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const files = performance.getEntriesByType("resource").filter((r) => /\\.(js|css)$/.test(new URL(r.name).pathname));
    return {
        ready: performance.getEntriesByName("edu:grid-ready")[0].startTime,
        dom: nav.domContentLoadedEventEnd,
        files: files.length + 1,
        api: Math.max(0, ...performance.getEntriesByType("resource").filter((r) => r.name.includes("/api/gradebook/"))
            .map((r) => r.responseEnd - r.startTime)),
        bytes: files.reduce((n, r) => n + r.decodedBodySize, nav.decodedBodySize),
    };
}"""


def test_grid_of_a_45_student_class_is_interactive_and_its_timing_is_recorded(
    browser: Browser, platform: Platform, sheets: Sheets
) -> None:
    admin = _admin_token(platform)
    school = next(s for s in platform.get("/api/identity/schools", admin) if s["name"] == "Trường THCS Hòa Lạc")
    klass = platform.send(
        "POST",
        f"/api/identity/schools/{school['id']}/classes",
        admin,
        {"school_year": "2026-2027", "grade": 6, "name": "6A9"},
    )
    given = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Minh"]
    for n in range(45):
        platform.send(
            "POST",
            f"/api/identity/schools/{school['id']}/students",
            admin,
            {
                "family_name": ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"][n % 5],
                "middle_name": ["Văn", "Thị", "Minh"][n % 3],
                "given_name": given[n % len(given)],
                "date_of_birth": f"2015-0{1 + n % 9}-1{n % 10}",
                "sex": "nam" if n % 2 else "nu",
                "class_id": klass["id"],
            },
        )
    teacher = platform.get("/api/identity/auth/me", platform.token(TEACHER))
    platform.send(
        "POST",
        f"/api/identity/classes/{klass['id']}/teaching-assignments",
        admin,
        {"subject_code": "toan", "staff_id": teacher["person_id"]},
    )
    path = f"/api/gradebook/classes/{klass['id']}/subjects/toan/semesters/1"
    token = platform.token(TEACHER)
    sheet = _eventually(lambda: (s := platform.get(f"{path}/scores", token)) and len(s["students"]) == 45 and s)
    entries = [
        {"student_id": st["student_id"], "column": c, "value": f"{5 + (i * 7 + j * 3) % 50 / 10:.1f}"}
        for i, st in enumerate(sheet["students"])
        for j, c in enumerate(sheet["columns"])
    ]
    platform.send("PUT", f"{path}/scores", token, {"entries": entries})

    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    _sign_in(page, platform, TEACHER)
    cdp = context.new_cdp_session(page)
    figures: dict[str, list[dict[str, float]]] = {}
    for label, rate in (("unthrottled", 1), ("cpu-4x-slower", 4)):
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
        runs = []
        for n in range(5):
            page.goto(f"{platform.base}/?run={label}-{n}{_hash_of(path)}")
            expect(page.locator("#grid tbody tr")).to_have_count(45)
            expect(page.locator("#avg-44")).not_to_have_text("")
            runs.append(page.evaluate(GRID_TIMING))
        figures[label] = runs
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    # The grid answers the keyboard at once: typing a score moves on and recomputes the row.
    _cell(page, 44, "CK").click()
    page.keyboard.type("10")
    last = {e["column"]: e["value"] for e in entries if e["student_id"] == sheet["students"][44]["student_id"]}
    expect(page.locator("#avg-44")).to_have_text(_average({**last, "CK": "10.0"}, sheet["columns"]))
    context.close()
    where = os.environ.get("EDU_PORTAL_TIMING")
    if where:
        lines = []
        for label, runs in figures.items():
            ready = sorted(r["ready"] for r in runs)[len(runs) // 2]
            dom = sorted(r["dom"] for r in runs)[len(runs) // 2]
            api = sorted(r["api"] for r in runs)[len(runs) // 2]
            lines.append(
                f"{label}: grid interactive {ready:.0f} ms (median of {len(runs)}), DOMContentLoaded {dom:.0f} ms, "
                f"slowest sheet request {api:.0f} ms, load average {os.getloadavg()[0]:.1f}, "
                f"{runs[0]['files']:.0f} files, {runs[0]['bytes'] / 1024:.1f} KiB uncompressed"
            )
        with open(where, "a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


def test_anyone_can_verify_a_code_or_a_signed_file_without_signing_in(page: Page, platform: Platform) -> None:
    page.goto(f"{platform.base}/#/xac-thuc/KHONGCO123")
    expect(page.get_by_role("heading", name="Xác thực học bạ và văn bản ký số")).to_be_visible()
    expect(page.get_by_text("Không có học bạ nào mang mã KHONGCO123")).to_be_visible()
    page.get_by_label("Tệp học bạ đã ký (PDF hoặc XML)").set_input_files(
        files=[{"name": "gia-mao.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 khong phai hoc ba"}]
    )
    page.get_by_role("button", name="Kiểm tra chữ ký").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _shot(page, "verify")
