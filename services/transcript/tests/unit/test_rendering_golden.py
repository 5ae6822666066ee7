"""Golden files of the rendered PDFs: the text `pdftotext -layout` extracts must match, value for value and place
for place. Regenerate after an intended layout change with `TRANSCRIPT_UPDATE_GOLDEN=1 uv run pytest <this file>`
and review the diff of tests/golden/*.txt like code."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from transcript.adapters.pdf_transcript import render_pdf
from transcript.domain.transcript import Transcript
from transcript.samples import tt22_transcript, tt27_transcript, tt58_transcript

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
PRINTED_AT = datetime(2026, 7, 25, 3, 0, tzinfo=UTC)
UPDATE = os.environ.get("TRANSCRIPT_UPDATE_GOLDEN") == "1"


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize(
    ("name", "sample"), [("tt22", tt22_transcript), ("tt27", tt27_transcript), ("tt58", tt58_transcript)]
)
def test_rendered_text_matches_the_golden_file(name: str, sample: Callable[[], Transcript], tmp_path: Path) -> None:
    text = pdftotext(render_pdf(sample(), base_url="https://hocba.example.vn", printed_at=PRINTED_AT), tmp_path)
    golden = GOLDEN / f"{name}.txt"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{golden.name} differs; see the module docstring"


def test_tt22_values_sit_in_their_rows(tmp_path: Path) -> None:
    lines = pdftotext(render_pdf(tt22_transcript(), base_url="https://x.vn", printed_at=PRINTED_AT), tmp_path)
    rows = {line.split()[0]: line.split() for line in lines.splitlines() if line.strip()}
    assert rows["Toán"][1:5] == ["4.2", "4.6", "4.5", "6.0"]  # HK I, HK II, year before the retest, retest
    assert rows["Tin"][2:5] == ["9.3", "9.5", "9.4"]  # "Tin học"
    assert "Giáo dục thể chất             Miễn" in lines  # exempt in semester I
    assert "Kết quả cả năm: Được lên lớp sau kiểm tra lại" in lines


def test_tt27_prints_levels_tests_qualities_and_the_education_result(tmp_path: Path) -> None:
    text = pdftotext(render_pdf(tt27_transcript(), base_url="https://x.vn", printed_at=PRINTED_AT), tmp_path)
    tieng_viet = next(line for line in text.splitlines() if line.startswith("Tiếng Việt"))
    assert tieng_viet.split()[2:6] == ["T", "9", "T", "10"]
    assert "Kết quả giáo dục — Cuối học kì I: Hoàn thành tốt; Cuối năm học: Hoàn thành tốt" in text
    assert "Giao tiếp và hợp tác" in text and "Phẩm chất chủ yếu" in text


def test_tt58_prints_hoc_luc_and_hanh_kiem(tmp_path: Path) -> None:
    text = pdftotext(render_pdf(tt58_transcript(), base_url="https://x.vn", printed_at=PRINTED_AT), tmp_path)
    hoc_luc = next(line for line in text.splitlines() if line.strip().startswith("Học lực"))
    assert hoc_luc.split()[2:] == ["Khá", "Giỏi", "Giỏi"]
    assert "Hạnh kiểm" in text and "Thông tư 58/2011/TT-BGDĐT" in text
