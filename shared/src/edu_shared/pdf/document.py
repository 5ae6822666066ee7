"""Official Vietnamese school documents as PDF: national header, titles, tables, page numbers, signature blocks.

Built on fpdf2 with the DejaVu Sans fonts shipped in `fonts/`, so output never depends on the fonts of the machine.
Output is deterministic for the same content, print time and creation time (tests compare bytes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableHeadingsDisplay, XPos, YPos

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
_LINE = 5.0  # mm, one line of 10 pt text
_HEADING_FILL = (230, 230, 230)


def vietnam_zone() -> tzinfo:
    """Asia/Ho_Chi_Minh; the fixed UTC+7 where the machine has no tz database (the same clock since 1975)."""
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=7), "ICT")


def print_date_label(at: datetime) -> str:
    """ "In ngày dd/mm/yyyy" on the Vietnamese calendar day of `at`."""
    return f"In ngày {at.astimezone(vietnam_zone()):%d/%m/%Y}"


def dated_line(at: datetime, place: str | None = None) -> str:
    """ "<place>, ngày 23 tháng 11 năm 2026", the line above the signatures of an administrative document."""
    day = at.astimezone(vietnam_zone())
    text = f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
    return f"{place}, {text}" if place else text.capitalize()


@dataclass(frozen=True)
class Column:
    """A table column: its heading, relative width and the alignment of its cells."""

    heading: str
    width: float = 1.0
    align: Literal["LEFT", "CENTER", "RIGHT"] = "CENTER"


@dataclass(frozen=True)
class Signatory:
    """A signature block: the signer's title (upper case by convention), a hint, and the printed name if known."""

    title: str
    name: str | None = None
    hint: str = "(Ký, ghi rõ họ tên)"


class _Pdf(FPDF):
    """FPDF with the document's footer: print date on the left, "Trang x/y" on the right."""

    def __init__(self, *, landscape: bool, footer_left: str) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self._footer_left = footer_left

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.cell(self.epw / 2, 5, self._footer_left, align=Align.L)
        self.cell(self.epw / 2, 5, f"Trang {self.page_no()}/{{nb}}", align=Align.R)


class SchoolDocument:
    """A document issued by a school (A4), written top to bottom; `output()` gives the PDF bytes."""

    def __init__(
        self,
        *,
        school_name: str,
        printed_at: datetime,
        title: str,
        authority: str | None = None,
        landscape: bool = False,
        created_at: datetime | None = None,
    ) -> None:
        """`authority` is the governing body printed above the school (e.g. "UBND XÃ A"); `created_at` defaults
        to `printed_at` and fixes the PDF's creation date, so the same inputs give the same bytes."""
        self.school_name = school_name
        self.authority = authority
        self.printed_at = printed_at
        self._pdf = _Pdf(landscape=landscape, footer_left=print_date_label(printed_at))
        pdf = self._pdf
        pdf.add_font(FONT, "", FONTS_DIR / "DejaVuSans.ttf")
        pdf.add_font(FONT, "B", FONTS_DIR / "DejaVuSans-Bold.ttf")
        pdf.set_creation_date((created_at or printed_at).astimezone(UTC))
        pdf.set_title(title)
        pdf.set_author(school_name)
        pdf.set_creator("EduRecords")
        pdf.set_margins(15, 12, 15)
        pdf.set_auto_page_break(auto=True, margin=16)
        pdf.set_font(FONT, "", 10)

    @property
    def width(self) -> float:
        """Usable width of the page in mm."""
        return float(self._pdf.epw)

    def new_page(self) -> None:
        """Start a page (the first one too)."""
        self._pdf.add_page()
        self._pdf.set_font(FONT, "", 10)

    def national_header(self) -> None:
        """Authority and school on the left, the national title and motto on the right, as on every official paper."""
        pdf = self._pdf
        left_w, right_w = self.width * 0.42, self.width * 0.58
        top = pdf.get_y()
        left = [(self.authority.upper(), "") if self.authority else None, (self.school_name.upper(), "B")]
        y = top
        for line in (entry for entry in left if entry is not None):
            pdf.set_xy(pdf.l_margin, y)
            pdf.set_font(FONT, line[1], 9)
            pdf.multi_cell(left_w, 4.5, line[0], align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            y = pdf.get_y()
        left_bottom = y
        pdf.set_xy(pdf.l_margin + left_w, top)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(right_w, 4.5, NATION, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(right_w, 5, MOTTO, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        motto_w = pdf.get_string_width(MOTTO)
        centre = pdf.l_margin + left_w + right_w / 2
        pdf.line(centre - motto_w / 2, pdf.get_y(), centre + motto_w / 2, pdf.get_y())
        pdf.set_y(max(left_bottom, pdf.get_y()) + 4)
        pdf.set_font(FONT, "", 10)

    def title(self, text: str, *subtitles: str) -> None:
        """The document's title in bold capitals, then centred subtitle lines."""
        pdf = self._pdf
        pdf.set_font(FONT, "B", 14)
        pdf.multi_cell(0, 7, text.upper(), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 10)
        for line in subtitles:
            pdf.multi_cell(0, _LINE, line, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)

    def heading(self, text: str) -> None:
        """A bold section heading, kept on the page of what follows it."""
        pdf = self._pdf
        if pdf.get_y() + 3 * _LINE > pdf.page_break_trigger:
            pdf.add_page()
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 10)

    def paragraph(self, text: str, *, bold: bool = False) -> None:
        """A left-aligned paragraph."""
        pdf = self._pdf
        pdf.set_font(FONT, "B" if bold else "", 10)
        pdf.multi_cell(0, _LINE, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 10)

    def fields(self, pairs: Sequence[tuple[str, str | None]], *, label_width: float = 55) -> None:
        """Label and value lines ("Học sinh:  Nguyễn Thị Ánh"); a missing value prints as a dotted line to fill in."""
        pdf = self._pdf
        for label, value in pairs:
            pdf.set_font(FONT, "B", 10)
            pdf.cell(label_width, _LINE, f"{label}:")
            pdf.set_font(FONT, "", 10)
            pdf.multi_cell(0, _LINE, value or "…" * 10, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)

    def table(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str | None]],
        *,
        font_size: float = 9,
        row_height: float | None = None,
    ) -> None:
        """A bordered table; its heading row is repeated at the top of every page it runs onto.

        `row_height` (mm) leaves room to write by hand, as on a gradebook printed at the start of a semester.
        """
        pdf = self._pdf
        pdf.set_font(FONT, "", font_size)
        with pdf.table(
            col_widths=tuple(c.width for c in columns),
            text_align=tuple(c.align for c in columns),
            headings_style=FontFace(emphasis="BOLD", fill_color=_HEADING_FILL),
            line_height=font_size * 0.5,
            repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
            width=self.width,
            min_row_height=row_height,
        ) as table:
            heading = table.row()
            for c in columns:
                heading.cell(c.heading, align=Align.C)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value or "")
        pdf.set_font(FONT, "", 10)
        pdf.ln(3)

    def signatures(self, signatories: Sequence[Signatory], *, place: str | None = None, dated: bool = True) -> None:
        """Signature blocks side by side; the dated line ("…, ngày … tháng … năm …") above the rightmost one."""
        if not signatories:
            return
        pdf = self._pdf
        block_height = 9 * _LINE
        if pdf.get_y() + block_height > pdf.page_break_trigger:
            pdf.add_page()
        pdf.ln(2)
        width = self.width / len(signatories)
        if dated:
            pdf.set_font(FONT, "", 10)
            pdf.set_x(pdf.l_margin + width * (len(signatories) - 1))
            pdf.cell(
                width, _LINE, dated_line(self.printed_at, place), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        top = pdf.get_y()
        for i, s in enumerate(signatories):
            x = pdf.l_margin + i * width
            pdf.set_xy(x, top)
            pdf.set_font(FONT, "B", 10)
            pdf.multi_cell(width, _LINE, s.title.upper(), align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
            pdf.set_font(FONT, "", 8)
            pdf.multi_cell(width, 4, s.hint, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
            if s.name:
                pdf.set_y(top + 7 * _LINE)
                pdf.set_x(x)
                pdf.set_font(FONT, "B", 10)
                pdf.multi_cell(width, _LINE, s.name, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_xy(pdf.l_margin, top + block_height)
        pdf.set_font(FONT, "", 10)

    def output(self) -> bytes:
        """The finished PDF."""
        return bytes(self._pdf.output())
