"""Benchmark of transcript rendering (học bạ PDF + XML): a 45-student class and a 1,000-student school.

    uv run python bench/transcript.py [--class-size N] [--school-size N] [--workers N]

Prints one table with, side by side and from the same run:
  (a) the baseline: an empty form (profile page and a TT22 year page with the subject names and nothing
      filled in) through the service's PDF writer (`transcript.adapters.pdf_writer`), one process;
  (b) the same empty form through the shared fpdf2 toolkit (`edu_shared.pdf.SchoolDocument`, national header,
      title, profile fields, a 12-row table), one process: the renderer the service did not choose
      (docs/adr/0020-transcript-rendering.md);
  (c) a class of `--class-size` filled TT22 transcripts (12 subjects, retest, comments, 15 signature fields,
      QR code), PDF only, then PDF + XML, in one process;
  (d) the class and a school of `--school-size` transcripts, PDF + XML, over `--workers` processes (a process
      pool, the transcripts pickled to the workers as a year-end batch job would hand them out).

Each transcript differs (name, marks), so nothing is cached between them but the fonts, which every process
builds once before the clock starts (as a long-running worker does). Throughput is transcripts over wall clock.
Peak memory is measured in a separate, untimed pass with tracemalloc (Python heap of the rendering of the class
in one process), and as the peak resident set of the worker processes (`getrusage(RUSAGE_CHILDREN)`). The
benchmark reports; it never asserts on timing. Figures depend on the machine: see docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

# Run as `python bench/transcript.py`, this folder is first on sys.path and this file's name would hide the
# `transcript` package: drop the folder before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from edu_shared.pdf import Column, SchoolDocument  # noqa: E402
from transcript.adapters.json_document import to_document  # noqa: E402
from transcript.adapters.pdf_transcript import render_pdf  # noqa: E402
from transcript.adapters.pdf_writer import fonts  # noqa: E402
from transcript.adapters.xml_document import render_xml  # noqa: E402
from transcript.domain.assembly import ClassYear, TranscriptFacts, assemble  # noqa: E402
from transcript.domain.transcript import SubjectLine, Transcript  # noqa: E402
from transcript.samples import GUARDIANS, profile, tt22_transcript, tt22_year  # noqa: E402

AT = datetime(2026, 7, 25, 3, 0, tzinfo=UTC)
BASE_URL = "https://hocba.so-gd.example.vn"
GIVEN = ["Anh", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Minh", "Ngọc", "Phúc", "Quân", "Trang"]


@dataclass
class Row:
    scenario: str
    renderer: str
    transcripts: int
    workers: int
    seconds: float
    peak: str = ""

    @property
    def per_second(self) -> float:
        return self.transcripts / self.seconds

    @property
    def ms_each(self) -> float:
        return self.seconds * 1000 / self.transcripts * self.workers


def transcripts(count: int) -> list[Transcript]:
    """`count` different TT22 transcripts: names and Toán / Ngữ văn marks vary."""
    base = tt22_transcript()
    found = []
    for i in range(count):
        name = f"Nguyễn Văn {GIVEN[i % len(GIVEN)]}"
        page = base.pages[0]
        shift = Decimal(i % 20) / 10
        subjects = tuple(
            replace(s, hk1=s.hk1 + shift if isinstance(s.hk1, Decimal) and s.hk1 + shift <= 10 else s.hk1)
            for s in page.subjects
        )
        found.append(
            replace(
                base,
                id=f"{base.id[:-6]}{i:06d}",
                student_id=f"st-{i}",
                profile=replace(base.profile, full_name=name, given_name=GIVEN[i % len(GIVEN)]),
                pages=(replace(page, subjects=subjects),),
            )
        )
    return found


def empty_form() -> Transcript:
    """The form with nothing filled in: subject names only, no marks, teachers, comments or outcome."""
    year = tt22_year()
    blank = ClassYear(
        class_id=year.class_id,
        school_id=year.school_id,
        school_name=year.school_name,
        school_year=year.school_year,
        grade=year.grade,
        name=year.name,
        subject_names=year.subject_names,
    )
    return assemble(TranscriptFacts("st-empty", "thcs", profile(), GUARDIANS, (blank,)))


def fpdf2_empty_form(t: Transcript) -> bytes:
    """The same empty form through the shared fpdf2 toolkit (fonts parsed and subset per document)."""
    doc = SchoolDocument(school_name=t.school_name, printed_at=AT, title="Học bạ")
    doc.new_page()
    doc.national_header()
    doc.title("Học bạ", "Trung học cơ sở")
    doc.fields(
        [("Họ và tên", t.profile.full_name), ("Ngày sinh", "01/03/2014"), ("Nơi sinh", t.profile.place_of_birth)]
    )
    doc.new_page()
    subjects: Sequence[SubjectLine] = t.pages[0].subjects
    doc.table(
        [Column("Môn học", 3, "LEFT"), Column("HK I"), Column("HK II"), Column("CN"), Column("Giáo viên", 3)],
        [[s.name, "", "", "", ""] for s in subjects],
    )
    return doc.output()


def pdf_only(t: Transcript) -> int:
    return len(render_pdf(t, base_url=BASE_URL, printed_at=AT))


def pdf_and_xml(t: Transcript) -> int:
    return len(render_pdf(t, base_url=BASE_URL, printed_at=AT)) + len(render_xml(to_document(t)))


def _warm() -> None:
    fonts()


def timed(render: Callable[[Transcript], object], items: Sequence[Transcript]) -> float:
    start = time.perf_counter()
    for t in items:
        render(t)
    return time.perf_counter() - start


def timed_pool(items: Sequence[Transcript], workers: int) -> float:
    with ProcessPoolExecutor(max_workers=workers, initializer=_warm) as pool:
        list(pool.map(_noop, range(workers * 4)))  # workers started and warm before the clock starts
        start = time.perf_counter()
        for _ in pool.map(pdf_and_xml, items, chunksize=max(1, len(items) // (workers * 8))):
            pass
        return time.perf_counter() - start


def _noop(_: int) -> None:
    time.sleep(0.05)


def traced_peak(render: Callable[[Transcript], object], items: Sequence[Transcript]) -> str:
    tracemalloc.start()
    for t in items:
        render(t)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return f"{peak / 2**20:.1f} MiB heap"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--class-size", type=int, default=45)
    parser.add_argument("--school-size", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    _warm()
    empty = empty_form()
    klass = transcripts(args.class_size)
    school = transcripts(args.school_size)
    fpdf2_empty_form(empty)  # fpdf2's imports and first-use costs, outside the clock
    rows = [
        Row("empty form (baseline)", "service PDF writer", 200, 1, timed(pdf_only, [empty] * 200)),
        Row("empty form (baseline)", "fpdf2 shared toolkit", 20, 1, timed(fpdf2_empty_form, [empty] * 20)),
        Row(f"class of {args.class_size}", "PDF", len(klass), 1, timed(pdf_only, klass)),
        Row(f"class of {args.class_size}", "PDF + XML", len(klass), 1, timed(pdf_and_xml, klass)),
        Row(f"class of {args.class_size}", "PDF + XML", len(klass), args.workers, timed_pool(klass, args.workers)),
        Row(f"school of {args.school_size}", "PDF + XML", len(school), args.workers, timed_pool(school, args.workers)),
    ]
    rows[3].peak = traced_peak(pdf_and_xml, klass)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows[5].peak = f"{children:.0f} MiB RSS/worker"
    header = f"{'scenario':<22} {'renderer':<21} {'n':>5} {'procs':>5} {'seconds':>8} {'per s':>8} {'ms each':>8}  peak"
    lines = [header]
    for r in rows:
        lines.append(
            f"{r.scenario:<22} {r.renderer:<21} {r.transcripts:>5} {r.workers:>5} {r.seconds:>8.2f} "
            f"{r.per_second:>8.1f} {r.ms_each:>8.1f}  {r.peak}"
        )
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.write(
        "ms each: wall clock per transcript per process; the fpdf2 row renders a simpler form (two pages, one table).\n"
    )


if __name__ == "__main__":
    main()
