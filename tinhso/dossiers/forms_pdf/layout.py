"""The page of an official form: A4, margins, header blocks, title, body, tables, signatures.

Presentation rules of Decree 30/2020/NĐ-CP (công tác văn thư), Appendix I, applied here:

* paper A4 (210 × 297 mm), portrait; a wide table may be laid out landscape (Form 07);
* margins: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm: we use 20 / 20 / 30 / 15;
* the national title "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in bold capitals at the top right, the
  motto "Độc lập - Tự do - Hạnh phúc" in bold below it, centred, underlined by a solid line as
  long as the motto;
* the issuing agency at the top left: its governing body in capitals, the agency in bold
  capitals, a short solid line (between a third and a half of the name's width) below it;
* the number ("Số: ...") below the agency, the place and date in italics below the motto;
* the document title in bold capitals, centred; body text justified;
* page numbers from the second page, centred in the top margin.

Deviation, on purpose: Decree 30 prescribes Times New Roman; the platform ships the DejaVu Serif
fonts (full Vietnamese coverage, free licence), which set about 10 % wider, so each size is one
point below the decree's (11 pt for the national title, 12 pt for the motto and the body, 13 pt
for the title).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from django.contrib.staticfiles import finders
from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode

# fontTools logs every subset it makes (glyph names, i.e. which characters a form used) at INFO.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT = "DejaVuSerif"
FONT_FILES = {
    "": "vendor/fonts/DejaVuSerif.ttf",
    "B": "vendor/fonts/DejaVuSerif-Bold.ttf",
    "I": "vendor/fonts/DejaVuSerif-Italic.ttf",
}

MARGIN_TOP = 20
MARGIN_BOTTOM = 20
MARGIN_LEFT = 30
MARGIN_RIGHT = 15

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

BODY_SIZE = 12
LINE = 6.2  # mm per body line: about 1.3 lines at 12 pt
LINE_FACTOR = 1.3
PARAGRAPH_INDENT = 10
HEADER_SIZE = 11
MOTTO_SIZE = 12
TITLE_SIZE = 13


class FontsMissing(RuntimeError):
    """The vendored DejaVu fonts are not among the static files."""


def font_paths() -> dict[str, str]:
    paths = {}
    for style, name in FONT_FILES.items():
        path = finders.find(name)
        if not path:
            raise FontsMissing(
                f"The font {name} is missing from the static files (tinhso/web/static/{name}); "
                "the one-stop forms cannot be rendered without it."
            )
        paths[style] = path
    return paths


@dataclass(frozen=True)
class Signature:
    title: str  # e.g. "NGƯỜI TIẾP NHẬN HỒ SƠ"
    hint: str = "(Ký và ghi rõ họ tên)"
    name: str = ""


@dataclass(frozen=True)
class HeadingCell:
    text: str
    colspan: int = 1
    rowspan: int = 1


class FormPage(FPDF):
    """An FPDF document set up as an official form."""

    def __init__(self, *, title: str, landscape: bool = False):
        super().__init__(orientation="landscape" if landscape else "portrait", unit="mm", format="A4")
        for style, path in font_paths().items():
            self.add_font(FONT, style, path)
        self.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
        self.set_auto_page_break(auto=True, margin=MARGIN_BOTTOM)
        self.set_title(title)
        self.set_creator("Tỉnh số – Hệ thống thông tin một cửa điện tử")
        self.set_lang("vi")
        self.set_font(FONT, "", BODY_SIZE)
        self.add_page()

    # --- page furniture --------------------------------------------------------------------

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(FONT, "", BODY_SIZE)
            self.set_xy(self.l_margin, 8)
            self.cell(self.content_width, 6, str(self.page_no()), align="C")
            self.set_xy(self.l_margin, self.t_margin)

    @property
    def content_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def room_left(self) -> float:
        return self.h - self.b_margin - self.get_y()

    def keep_room(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if self.room_left() < height:
            self.add_page()

    # --- heading ---------------------------------------------------------------------------

    def heading(
        self,
        *,
        governing: str,
        agency: str,
        number: str | None,
        place_date: str | None,
        left_width: float = 68,
    ) -> None:
        """The agency block (left) and the national title block (right), then number and date."""
        top = self.get_y()
        right_x = self.l_margin + left_width
        right_width = self.content_width - left_width

        self.set_xy(self.l_margin, top)
        if governing:
            self.set_font(FONT, "", HEADER_SIZE)
            self.multi_cell(left_width, 5.2, governing.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "B", HEADER_SIZE)
        lines = self.multi_cell(left_width, 5.2, agency.upper(), align="C", dry_run=True, output="LINES")
        self.multi_cell(left_width, 5.2, agency.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
        widest = max((self.get_string_width(line) for line in lines), default=left_width / 2)
        rule = max(min(widest, left_width) * 0.4, 12)
        rule_y = self.get_y() + 0.8
        self.line(
            self.l_margin + (left_width - rule) / 2, rule_y, self.l_margin + (left_width + rule) / 2, rule_y
        )
        left_bottom = rule_y + 1.5

        self.set_xy(right_x, top)
        self.set_font(FONT, "B", HEADER_SIZE)
        self.cell(right_width, 5.2, NATIONAL_TITLE, align="C", new_x="LEFT", new_y="NEXT")
        self.set_font(FONT, "B", MOTTO_SIZE)
        self.cell(right_width, 5.6, MOTTO, align="C", new_x="LEFT", new_y="NEXT")
        motto = self.get_string_width(MOTTO)
        motto_y = self.get_y() + 0.3
        self.line(right_x + (right_width - motto) / 2, motto_y, right_x + (right_width + motto) / 2, motto_y)
        right_bottom = motto_y + 1.5

        line_y = max(left_bottom, right_bottom) + 1.5
        bottom = line_y + 2
        if number:
            self.set_xy(self.l_margin, line_y)
            self.set_font(FONT, "", HEADER_SIZE)
            self.multi_cell(left_width, 5.2, number, align="C", new_x="LMARGIN", new_y="NEXT")
            bottom = max(bottom, self.get_y() + 4)
        if place_date:
            self.set_xy(right_x, line_y)
            self.set_font(FONT, "I", BODY_SIZE)
            self.multi_cell(right_width, 5.6, place_date, align="C", new_x="LMARGIN", new_y="NEXT")
            bottom = max(bottom, self.get_y() + 4)
        self.set_xy(self.l_margin, bottom)

    # --- title and body --------------------------------------------------------------------

    def form_title(self, text: str, *, subtitle: str = "", extra_space: float = 2) -> None:
        self.ln(extra_space)
        self.set_font(FONT, "B", TITLE_SIZE)
        self.multi_cell(self.content_width, 6.5, text.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            self.set_font(FONT, "B", BODY_SIZE)
            self.multi_cell(self.content_width, 6, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(3)
        self.set_font(FONT, "", BODY_SIZE)

    def rich(
        self,
        parts: list[tuple[str, str]],
        *,
        align: str = "J",
        first_line_indent: float = 0,
        indent: float = 0,
        after: float = 1.2,
        size: float = BODY_SIZE,
    ) -> None:
        """One paragraph made of ``(text, style)`` runs, justified, flowing onto the next page."""
        with self.text_columns(text_align=align, line_height=LINE_FACTOR) as columns:
            with columns.paragraph(
                first_line_indent=first_line_indent, indent=indent, bottom_margin=after
            ) as par:
                for text, style in parts:
                    self.set_font(FONT, style, size)
                    par.write(text)
        self.set_font(FONT, "", BODY_SIZE)

    def paragraph(
        self, text: str, *, style: str = "", indent: float = 0, align: str = "J", first_line_indent: float = 0
    ) -> None:
        self.rich([(text, style)], align=align, indent=indent, first_line_indent=first_line_indent)

    def body(self, text: str) -> None:
        """A paragraph of running text: first line indented (Decree 30: 1 to 1.27 cm)."""
        self.paragraph(text, first_line_indent=PARAGRAPH_INDENT)

    def field(
        self,
        label: str,
        value: str,
        *,
        indent: float = 0,
        value_style: str = "B",
        first_line_indent: float = 0,
    ) -> None:
        """``label`` in regular type followed by ``value`` (bold by default), wrapped together."""
        self.rich([(label, ""), (value, value_style)], indent=indent, first_line_indent=first_line_indent)

    def numbered(self, items: list[str], *, indent: float = 8, start: int = 1) -> None:
        for number, item in enumerate(items, start=start):
            self.set_font(FONT, "", BODY_SIZE)
            self.set_x(self.l_margin + indent)
            self.cell(8, LINE, f"{number}.")
            self.multi_cell(
                self.content_width - indent - 8, LINE, item, align="J", new_x="LMARGIN", new_y="NEXT"
            )

    # --- tables ----------------------------------------------------------------------------

    def grid(
        self,
        *,
        headings: list[list[HeadingCell]],
        rows: list[list[str]],
        widths: list[float],
        aligns: list[str],
        size: float = 10,
        heading_size: float | None = None,
        line_height: float | None = None,
    ) -> None:
        """A bordered table whose heading rows repeat at the top of every page it spans."""
        heading_size = heading_size or size
        line_height = line_height or size * 0.5
        self.set_font(FONT, "", size)
        with self.table(
            col_widths=widths,
            width=sum(widths),
            align="LEFT",
            text_align=aligns,
            line_height=line_height,
            num_heading_rows=len(headings),
            repeat_headings=1,
            headings_style=FontFace(emphasis="BOLD", size_pt=heading_size),
            cell_fill_mode=TableCellFillMode.NONE,
            padding=(1, 1.2),
            v_align="MIDDLE",
        ) as table:
            for heading in headings:
                row = table.row()
                for cell in heading:
                    row.cell(cell.text, align="C", colspan=cell.colspan, rowspan=cell.rowspan)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.set_font(FONT, "", BODY_SIZE)

    # --- signatures, recipients, QR --------------------------------------------------------

    def signatures(self, left: Signature | None, right: Signature | None, *, space: float = 24) -> None:
        needed = 5 + 6 + 6 + space + 7
        self.keep_room(needed)
        self.ln(4)
        top = self.get_y()
        half = self.content_width / 2
        for block, x in ((left, self.l_margin), (right, self.l_margin + half)):
            if block is None:
                continue
            self.set_xy(x, top)
            self.set_font(FONT, "B", BODY_SIZE)
            self.multi_cell(half, 6, block.title, align="C", new_x="LEFT", new_y="NEXT")
            if block.hint:
                self.set_font(FONT, "I", BODY_SIZE - 1)
                self.multi_cell(half, 5.5, block.hint, align="C", new_x="LEFT", new_y="NEXT")
            self.set_y(self.get_y() + space)
            self.set_x(x)
            if block.name:
                self.set_font(FONT, "B", BODY_SIZE)
                self.multi_cell(half, 6, block.name, align="C", new_x="LEFT", new_y="NEXT")
        self.set_xy(self.l_margin, self.get_y() + 2)
        self.set_font(FONT, "", BODY_SIZE)

    def recipients_and_signature(
        self, recipients: list[str], signature: Signature, *, space: float = 24
    ) -> None:
        """The "Nơi nhận" block at the bottom left and the signer's block at the bottom right."""
        self.keep_room(6 + 6 * max(len(recipients), 3) + space)
        self.ln(4)
        top = self.get_y()
        half = self.content_width / 2
        self.set_xy(self.l_margin, top)
        self.set_font(FONT, "B", 11)  # Decree 30 wants bold italic; no such DejaVu file is vendored
        self.cell(half, 5.5, "Nơi nhận:", new_x="LEFT", new_y="NEXT")
        self.set_font(FONT, "", 10)
        for line in recipients:
            self.multi_cell(half - 4, 5, f"- {line}", align="L", new_x="LEFT", new_y="NEXT")
        left_bottom = self.get_y()
        self.set_xy(self.l_margin + half, top)
        self.set_font(FONT, "B", BODY_SIZE)
        self.multi_cell(half, 6, signature.title, align="C", new_x="LEFT", new_y="NEXT")
        if signature.hint:
            self.set_font(FONT, "I", BODY_SIZE - 1)
            self.multi_cell(half, 5.5, signature.hint, align="C", new_x="LEFT", new_y="NEXT")
        self.set_y(self.get_y() + space)
        self.set_x(self.l_margin + half)
        if signature.name:
            self.set_font(FONT, "B", BODY_SIZE)
            self.multi_cell(half, 6, signature.name, align="C", new_x="LEFT", new_y="NEXT")
        self.set_xy(self.l_margin, max(self.get_y(), left_bottom) + 2)
        self.set_font(FONT, "", BODY_SIZE)

    def tracking_block(self, png: bytes, text: str, *, size: float = 22) -> None:
        """The tracking QR code at the left with ``text`` beside it (kept on one page)."""
        self.keep_room(size + 4)
        self.ln(2)
        y = self.get_y()
        self.image(io.BytesIO(png), x=self.l_margin, y=y, w=size, h=size)
        self.set_xy(self.l_margin + size + 4, y + 2)
        self.set_font(FONT, "I", 10)
        self.multi_cell(self.content_width - size - 4, 5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_xy(self.l_margin, max(self.get_y(), y + size) + 1)
        self.set_font(FONT, "", BODY_SIZE)

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def new_form(
    *,
    meta_title: str,
    governing: str,
    agency: str,
    number: str | None,
    place_date: str | None,
    landscape: bool = False,
) -> FormPage:
    """A fresh form with its heading blocks drawn."""
    page = FormPage(title=meta_title, landscape=landscape)
    page.heading(
        governing=governing,
        agency=agency,
        number=number,
        place_date=place_date,
        left_width=100 if landscape else 68,
    )
    return page
