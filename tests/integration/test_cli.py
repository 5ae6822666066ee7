"""The `edu` command as an operator runs it: clear Vietnamese messages and a non-zero exit on bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EDU = str(Path(sys.executable).with_name("edu"))


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDENTITY_")}
    env["IDENTITY_DATA_DIR"] = str(data_dir)
    return subprocess.run([EDU, *args], env=env, capture_output=True, text=True, timeout=120)


def test_bootstrap_province_creates_the_root_and_an_admin_once(tmp_path: Path) -> None:
    args = (
        "bootstrap-province",
        "--code",
        "so-gddt-daknong",
        "--name",
        "Sở Giáo dục và Đào tạo tỉnh Đắk Nông",
        "--admin-name",
        "Nguyễn Thị Lan",
    )
    first = run(*args, data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "so-gddt-daknong_admin" in first.stdout and "Mật khẩu tạm thời" in first.stdout
    second = run(*args, data_dir=tmp_path)
    assert second.returncode == 2
    assert "Lỗi: cây tổ chức đã có gốc 'so-gddt-daknong'" in second.stderr


def test_bad_org_code_is_refused_with_the_reason(tmp_path: Path) -> None:
    result = run("bootstrap-province", "--code", "Sở GDĐT", "--name", "X", "--admin-name", "Y", data_dir=tmp_path)
    assert result.returncode == 2
    assert "Lỗi: Mã 'Sở GDĐT' không hợp lệ" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_service_is_named_in_the_error(tmp_path: Path) -> None:
    result = run("serve", "hocba", data_dir=tmp_path)
    assert result.returncode == 2
    assert "không có dịch vụ 'hocba'" in result.stderr
