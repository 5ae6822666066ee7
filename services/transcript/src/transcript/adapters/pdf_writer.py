"""A lean PDF/A-2b writer for forms printed by the thousand: cached fonts, text, rules, tables, QR codes, empty
signature fields.

fpdf2 parses and subsets its TrueType fonts for every document, most of the ~200 ms a transcript took with it
(docs/adr/0020-transcript-rendering.md). Here the DejaVu fonts of the shared PDF toolkit are subset once per process
to the Vietnamese repertoire and their PDF objects serialised once; a document only lays out its own text. Output
is deterministic: the same content and dates give the same bytes.
"""

from __future__ import annotations

import hashlib
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from importlib import resources
from io import BytesIO
from typing import Literal

import segno
from fontTools import subset, ttLib  # type: ignore[import-untyped]  # no stubs shipped

from edu_shared.pdf.document import FONTS_DIR

PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MM = 72 / 25.4
Align = Literal["L", "C", "R"]

# What Vietnamese documents print: ASCII, Latin-1, the Vietnamese letters and a little typography.
_REPERTOIRE = (
    [chr(c) for c in range(0x20, 0x7F)]
    + [chr(c) for c in range(0xA0, 0x100)]
    + list("ĂăĐđĨĩŨũƠơƯư")
    + [chr(c) for c in range(0x1EA0, 0x1EFA)]
    + list("–—‘’“”…•№✓")
)
# Fixed object numbers of the resources every document shares (fonts, colour profile); pages follow them.
_FONT_OBJECTS = {"F1": 3, "F2": 8}  # Type0, CIDFont, descriptor, font file, ToUnicode: five objects each
_ICC_OBJECT = 13
_FIRST_FREE = 14


@dataclass(frozen=True)
class _Font:
    """A subset font: glyph ids and widths by character, and its PDF objects (numbered from `first`)."""

    name: str
    gids: dict[str, str]  # char → 4 hex digits of the glyph id
    widths: dict[str, float]  # char → advance in 1/1000 em
    objects: tuple[bytes, ...]

    def hex(self, text: str) -> str:
        # A character outside the repertoire prints as "?": PDF/A forbids showing the .notdef glyph.
        gids, missing = self.gids, self.gids["?"]
        return "".join(gids.get(c, missing) for c in text)

    def width(self, text: str, size: float) -> float:
        widths = self.widths
        missing = widths["?"]
        return sum(widths.get(c, missing) for c in text) * size / 1000


def _stream(header: str, data: bytes) -> bytes:
    return f"<< {header} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def _build_font(path: str, tag: str, first: int) -> _Font:
    font = ttLib.TTFont(path, recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.drop_tables += ["FFTM"]  # FontForge's timestamp table: not needed, and fontTools warns about it
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in _REPERTOIRE])
    subsetter.subset(font)
    buffer = BytesIO()
    font.save(buffer)
    program = buffer.getvalue()
    cmap = font.getBestCmap()
    scale = 1000 / font["head"].unitsPerEm
    hmtx = font["hmtx"]
    gids: dict[str, str] = {}
    widths: dict[str, float] = {}
    by_gid: dict[int, tuple[str, float]] = {}
    for c in _REPERTOIRE:
        glyph = cmap.get(ord(c))
        if glyph is None:
            continue
        gid = font.getGlyphID(glyph)
        width = round(hmtx[glyph][0] * scale, 1)
        gids[c], widths[c] = f"{gid:04X}", width
        by_gid.setdefault(gid, (c, width))
    base = f"{tag}+{font['name'].getDebugName(6) or 'DejaVuSans'}"
    head = font["head"]
    w_array = " ".join(f"{gid} [{w:g}]" for gid, (_, w) in sorted(by_gid.items()))
    bfchars = "\n".join(f"<{gid:04X}> <{ord(c):04X}>" for gid, (c, _) in sorted(by_gid.items()))
    to_unicode = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(by_gid)} beginbfchar\n{bfchars}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    ascent = round(font["hhea"].ascent * scale)
    descent = round(font["hhea"].descent * scale)
    bbox = " ".join(str(round(v * scale)) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
    objects = (
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{base} /Encoding /Identity-H "
        f"/DescendantFonts [{first + 1} 0 R] /ToUnicode {first + 4} 0 R >>".encode(),
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{base} "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        f"/FontDescriptor {first + 2} 0 R /CIDToGIDMap /Identity /DW 600 /W [{w_array}] >>".encode(),
        f"<< /Type /FontDescriptor /FontName /{base} /Flags 32 /FontBBox [{bbox}] /ItalicAngle 0 "
        f"/Ascent {ascent} /Descent {descent} /CapHeight 729 /StemV 80 /FontFile2 {first + 3} 0 R >>".encode(),
        _stream(f"/Filter /FlateDecode /Length1 {len(program)}", zlib.compress(program, 9)),
        _stream("/Filter /FlateDecode", zlib.compress(to_unicode, 9)),
    )
    return _Font(name=base, gids=gids, widths=widths, objects=objects)


@cache
def fonts() -> dict[str, _Font]:
    """The regular (F1) and bold (F2) fonts, built once per process."""
    return {
        "F1": _build_font(str(FONTS_DIR / "DejaVuSans.ttf"), "EDUREG", _FONT_OBJECTS["F1"]),
        "F2": _build_font(str(FONTS_DIR / "DejaVuSans-Bold.ttf"), "EDUBLD", _FONT_OBJECTS["F2"]),
    }


@cache
def _icc_profile() -> bytes:
    """sRGB IEC61966-2.1, the output intent PDF/A asks for (the profile fpdf2 ships)."""
    data = resources.files("fpdf").joinpath("data/color_profiles/sRGB2014.icc").read_bytes()
    return _stream("/N 3 /Filter /FlateDecode", zlib.compress(data, 9))


def _pdf_text(text: str) -> str:
    """A PDF text string: UTF-16BE with its byte order mark, in hex (safe for any character)."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pdf_date(at: datetime) -> str:
    return at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


def _xmp(title: str, author: str, at: datetime) -> bytes:
    """XMP metadata matching the document information dictionary, declaring PDF/A-2b."""
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{_xml_escape(title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{_xml_escape(author)}</rdf:li></rdf:Seq></dc:creator>
<xmp:CreateDate>{stamp}</xmp:CreateDate><xmp:ModifyDate>{stamp}</xmp:ModifyDate>
<xmp:CreatorTool>EduRecords</xmp:CreatorTool><pdf:Producer>EduRecords</pdf:Producer>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


@lru_cache(maxsize=256)
def _qr_ops(data: str, x: float, y: float, size: float) -> str:
    """The QR code's dark modules as filled rectangles, one per horizontal run; cached, as every page of a
    document repeats the same code. The mask is fixed: choosing the best of eight was most of a page's time, and
    any mask is a valid code."""
    matrix = segno.make_qr(data, error="m", mask=2).matrix
    module = size * MM / len(matrix)
    top = PAGE_H - y * MM
    boxes: list[str] = []
    for row, bits in enumerate(matrix):
        col = 0
        while col < len(bits):
            if bits[col]:
                start = col
                while col < len(bits) and bits[col]:
                    col += 1
                boxes.append(
                    f"{x * MM + start * module:.2f} {top - (row + 1) * module:.2f} "
                    f"{(col - start) * module:.2f} {module:.2f} re"
                )
            else:
                col += 1
    return " ".join(boxes) + " f"


@dataclass
class SignatureBox:
    """An empty signature field: its name and where it sits (points, origin bottom left)."""

    name: str
    page: int
    rect: tuple[float, float, float, float]


@dataclass
class Page:
    ops: list[str] = field(default_factory=list)
    fields: list[SignatureBox] = field(default_factory=list)


@dataclass(frozen=True)
class Cell:
    """A table cell's text; `field` names a signature field placed over the cell."""

    text: str = ""
    bold: bool = False
    align: Align | None = None
    field: str | None = None


@dataclass(frozen=True)
class TableColumn:
    heading: str
    width: float  # mm
    align: Align = "C"


class PdfDocument:
    """Pages written top to bottom in millimetres; `output()` numbers the pages and serialises the file."""

    def __init__(
        self, *, title: str, author: str, created_at: datetime, margin: float = 15, bottom: float = 20
    ) -> None:
        self.title, self.author, self.created_at = title, author, created_at
        self.pages: list[Page] = []
        self.margin, self.bottom = margin, bottom
        self.y = 0.0
        self._fonts = fonts()
        self._at = -1  # the page drawing goes to: the last one, unless `select` chose another

    # Geometry: callers speak millimetres from the top left; PDF speaks points from the bottom left.
    @property
    def width(self) -> float:
        return PAGE_W / MM - 2 * self.margin

    @property
    def limit(self) -> float:
        return PAGE_H / MM - self.bottom

    def new_page(self) -> None:
        self.pages.append(Page())
        self.y = 12.0

    def ensure(self, height: float) -> bool:
        """Start a new page unless `height` mm still fit; True when a page was started."""
        if self.y + height > self.limit:
            self.new_page()
            return True
        return False

    @property
    def page(self) -> Page:
        return self.pages[self._at]

    def select(self, index: int) -> None:
        """Draw on page `index` (-1: the last), e.g. footers once the page count is known."""
        self._at = index

    def text_width(self, text: str, size: float, bold: bool = False) -> float:
        """Width of `text` in mm."""
        return self._fonts["F2" if bold else "F1"].width(text, size) / MM

    def text(self, x: float, y: float, text: str, *, size: float = 10, bold: bool = False) -> None:
        """One line of text whose top is at (x, y) mm."""
        text = unicodedata.normalize("NFC", text)
        if not text:
            return
        name = "F2" if bold else "F1"
        baseline = PAGE_H - (y * MM + size * 0.93)
        self.page.ops.append(
            f"BT /{name} {size:g} Tf {x * MM:.2f} {baseline:.2f} Td <{self._fonts[name].hex(text)}> Tj ET"
        )

    def text_in(
        self, x: float, y: float, w: float, text: str, *, size: float = 10, bold: bool = False, align: Align = "L"
    ) -> None:
        """One line aligned in a box of width `w` mm."""
        if align == "L":
            self.text(x, y, text, size=size, bold=bold)
            return
        tw = self.text_width(text, size, bold)
        self.text(x + (w - tw) / (2 if align == "C" else 1), y, text, size=size, bold=bold)

    def wrap(self, text: str, width: float, *, size: float = 10, bold: bool = False) -> list[str]:
        """Lines of `text` that fit `width` mm (words longer than the width are cut)."""
        text = unicodedata.normalize("NFC", text)
        font = self._fonts["F2" if bold else "F1"]
        limit = width * MM
        space = font.width(" ", size)
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for word in paragraph.split():
                w = font.width(word, size)
                if line and used + space + w > limit:
                    lines.append(line)
                    line, used = "", 0.0
                while w > limit and len(word) > 1:
                    cut = len(word)
                    while cut > 1 and font.width(word[:cut], size) > limit:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                    w = font.width(word, size)
                line, used = (f"{line} {word}", used + space + w) if line else (word, w)
            lines.append(line)
        return lines

    def paragraph(
        self,
        text: str,
        *,
        size: float = 10,
        bold: bool = False,
        align: Align = "L",
        x: float | None = None,
        w: float | None = None,
    ) -> None:
        """Wrapped text from the cursor down."""
        left = self.margin if x is None else x
        width = self.width if w is None else w
        line_h = size * 0.45
        for line in self.wrap(text, width, size=size, bold=bold):
            self.ensure(line_h)
            self.text_in(left, self.y, width, line, size=size, bold=bold, align=align)
            self.y += line_h

    def line(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 0.5) -> None:
        self.page.ops.append(
            f"{width:g} w {x1 * MM:.2f} {PAGE_H - y1 * MM:.2f} m {x2 * MM:.2f} {PAGE_H - y2 * MM:.2f} l S"
        )

    def rect(self, x: float, y: float, w: float, h: float, *, fill: float | None = None, width: float = 0.5) -> None:
        """A rectangle, stroked, or filled in grey `fill` (0 black … 1 white)."""
        box = f"{x * MM:.2f} {PAGE_H - (y + h) * MM:.2f} {w * MM:.2f} {h * MM:.2f} re"
        if fill is None:
            self.page.ops.append(f"{width:g} w {box} S")
        else:
            self.page.ops.append(f"{fill:g} g {box} f 0 g")

    def qr(self, x: float, y: float, size: float, data: str) -> None:
        """A QR code (error correction M) whose top-left corner is at (x, y) mm."""
        self.page.ops.append(_qr_ops(data, x, y, size))

    def signature_field(self, name: str, x: float, y: float, w: float, h: float) -> None:
        """An empty signature field over the box (x, y, w, h) mm of the current page."""
        rect = (x * MM, PAGE_H - (y + h) * MM, (x + w) * MM, PAGE_H - y * MM)
        self.page.fields.append(SignatureBox(name=name, page=len(self.pages) - 1, rect=rect))

    def table(
        self,
        columns: Sequence[TableColumn],
        rows: Sequence[Sequence[Cell]],
        *,
        size: float = 8.5,
        x: float | None = None,
    ) -> None:
        """A bordered table from the cursor; its heading row is repeated on every page it runs onto."""
        left = self.margin if x is None else x
        pad, line_h = 1.2, size * 0.42
        widths = [c.width for c in columns]

        def heading() -> None:
            cells = [self.wrap(c.heading, c.width - 2 * pad, size=size, bold=True) for c in columns]
            h = max(len(c) for c in cells) * line_h + 2 * pad
            self.rect(left, self.y, sum(widths), h, fill=0.9)
            self._row(left, widths, cells, ["C"] * len(columns), [True] * len(columns), h, pad, line_h, size)
            self.y += h

        self.ensure(3 * line_h + 4 * pad)
        heading()
        for row in rows:
            cells = [
                self.wrap(cell.text, col.width - 2 * pad, size=size, bold=cell.bold)
                for cell, col in zip(row, columns, strict=True)
            ]
            h = max(len(c) for c in cells) * line_h + 2 * pad
            if self.ensure(h):
                heading()
            self._row(
                left,
                widths,
                cells,
                [cell.align or col.align for cell, col in zip(row, columns, strict=True)],
                [cell.bold for cell in row],
                h,
                pad,
                line_h,
                size,
            )
            cx = left
            for cell, w in zip(row, widths, strict=True):
                if cell.field:
                    self.signature_field(cell.field, cx, self.y, w, h)
                cx += w
            self.y += h
        self.y += 2

    def _row(
        self,
        left: float,
        widths: Sequence[float],
        cells: Sequence[Sequence[str]],
        aligns: Sequence[Align],
        bolds: Sequence[bool],
        h: float,
        pad: float,
        line_h: float,
        size: float,
    ) -> None:
        x = left
        for lines, w, align, bold in zip(cells, widths, aligns, bolds, strict=True):
            self.rect(x, self.y, w, h, width=0.4)
            top = self.y + (h - len(lines) * line_h) / 2
            for i, line in enumerate(lines):
                self.text_in(x + pad, top + i * line_h, w - 2 * pad, line, size=size, bold=bold, align=align)
            x += w

    def output(self) -> bytes:
        """The finished file: PDF 1.7, PDF/A-2b metadata and output intent, one AcroForm of signature fields."""
        font_objects = [o for f in self.fonts_in_order() for o in f.objects]
        objects: dict[int, bytes] = {}
        for i, body in enumerate(font_objects):
            objects[_FONT_OBJECTS["F1"] + i] = body
        objects[_ICC_OBJECT] = _icc_profile()
        n = _FIRST_FREE
        metadata, n = n, n + 1
        objects[metadata] = _stream("/Type /Metadata /Subtype /XML", _xmp(self.title, self.author, self.created_at))
        page_refs: list[int] = []
        field_refs: list[int] = []
        appearance, n = n, n + 1
        objects[appearance] = _stream("/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << >>", b"")
        for page in self.pages:
            page_no, content, n = n, n + 1, n + 2
            page_refs.append(page_no)
            annots: list[int] = []
            for box in page.fields:
                annots.append(n)
                field_refs.append(n)
                rect = " ".join(f"{v:.2f}" for v in box.rect)
                objects[n] = (
                    f"<< /Type /Annot /Subtype /Widget /FT /Sig /T ({box.name}) /F 4 /Rect [{rect}] "
                    f"/P {page_no} 0 R /AP << /N {appearance} 0 R >> >>"
                ).encode()
                n += 1
            data = zlib.compress("\n".join(page.ops).encode(), 6)
            objects[content] = _stream("/Filter /FlateDecode", data)
            annots_entry = f" /Annots [{' '.join(f'{a} 0 R' for a in annots)}]" if annots else ""
            objects[page_no] = (
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Contents {content} 0 R "
                f"/Resources << /Font << /F1 {_FONT_OBJECTS['F1']} 0 R /F2 {_FONT_OBJECTS['F2']} 0 R >> >>"
                f"{annots_entry} >>"
            ).encode()
        info = n
        stamp = _pdf_date(self.created_at)
        objects[info] = (
            f"<< /Title {_pdf_text(self.title)} /Author {_pdf_text(self.author)} /Creator (EduRecords) "
            f"/Producer (EduRecords) /CreationDate ({stamp}) /ModDate ({stamp}) >>"
        ).encode()
        fields = " ".join(f"{f} 0 R" for f in field_refs)
        objects[1] = (
            f"<< /Type /Catalog /Pages 2 0 R /Metadata {metadata} 0 R /Lang (vi-VN) "
            f"/OutputIntents [<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) "
            f"/Info (sRGB IEC61966-2.1) /DestOutputProfile {_ICC_OBJECT} 0 R >>] "
            f"/AcroForm << /Fields [{fields}] >> >>"
        ).encode()
        objects[2] = (
            f"<< /Type /Pages /Count {len(page_refs)} /Kids [{' '.join(f'{p} 0 R' for p in page_refs)}] >>"
        ).encode()
        return _serialise(objects, info)

    def fonts_in_order(self) -> Iterator[_Font]:
        yield self._fonts["F1"]
        yield self._fonts["F2"]


def _serialise(objects: dict[int, bytes], info: int) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for number in range(1, size):
        if number in offsets:
            out += f"{offsets[number]:010d} 00000 n \n".encode()
        else:
            out += b"0000000000 65535 f \n"
    digest = hashlib.md5(bytes(out), usedforsecurity=False).hexdigest().upper()
    out += (
        f"trailer\n<< /Size {size} /Root 1 0 R /Info {info} 0 R /ID [<{digest}> <{digest}>] >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
