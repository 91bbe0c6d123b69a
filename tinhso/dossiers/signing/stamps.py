"""The visible part of a signature: where the stamps go and what they say.

Decree 30/2020/NĐ-CP (Appendix I) describes the image of an electronic document's signatures:
the competent person's signature image, and over it the organisation's signature image, which
is its **red seal**, overlapping about the left third of the person's signature image;
attachments carry the organisation's signature without image. The platform has no image of a
seal or of a handwritten signature (they are the agency's and the person's own and cannot be
invented), so both stamps are text: the person's in blue (name, title, agency, signing time) in
its right two thirds, the organisation's in **red** (its name and the signing time) in a red
frame, placed as the seal would be. Times are ISO 8601 with Vietnam's offset, to the second.

Geometry, in PDF points on the last page (A4 is 595 × 842):

* the person's stamp: ``PERSON_WIDTH`` × ``PERSON_HEIGHT``, its right edge ``MARGIN_RIGHT`` from
  the page's right edge, its bottom ``MARGIN_BOTTOM`` above the page's bottom;
* the organisation's stamp: ``SEAL_WIDTH`` wide, its right edge on the first third of the
  person's stamp (so that exactly the left third of the person's stamp lies under it), centred
  vertically on it, on the same page.

pyHanko's text stamps need an OpenType font for Vietnamese: DejaVu Sans from the vendored fonts,
reduced to the Latin and Vietnamese characters and rescaled to 1000 units per em (pyHanko writes
glyph widths in font units, which PDF readers take as thousandths of an em).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import textwrap
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.staticfiles import finders
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from tinhso.core.errors import DomainError

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FONT_PATH = "vendor/fonts/DejaVuSans.ttf"

MARGIN_RIGHT = 40
MARGIN_BOTTOM = 56
PERSON_WIDTH = 210
PERSON_HEIGHT = 70
SEAL_WIDTH = 130
SEAL_HEIGHT = 60
RED = (0.8, 0.0, 0.0)
BLUE = (0.0, 0.2, 0.6)  # a personal signature image is blue


@dataclass(frozen=True)
class Box:
    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def width(self) -> int:
        return self.x2 - self.x1

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.x1, self.y1, self.x2, self.y2)


def person_box(page_width: float, page_x0: float = 0, page_y0: float = 0) -> Box:
    x2 = int(page_x0 + page_width - MARGIN_RIGHT)
    y1 = int(page_y0 + MARGIN_BOTTOM)
    return Box(x2 - PERSON_WIDTH, y1, x2, y1 + PERSON_HEIGHT)


def seal_box(person: Box) -> Box:
    """Over the left third of the person's stamp, centred on it vertically."""
    x2 = person.x1 + round(person.width / 3)
    middle = (person.y1 + person.y2) / 2
    y1 = int(round(middle - SEAL_HEIGHT / 2))
    return Box(max(0, x2 - SEAL_WIDTH), y1, x2, y1 + SEAL_HEIGHT)


# --- Font -----------------------------------------------------------------------------------------

_VIETNAMESE = (
    list(range(0x20, 0x7F))
    + list(range(0xA0, 0x250))  # Latin-1, Latin Extended-A and -B (ă, đ, ơ, ư...)
    + list(range(0x300, 0x370))  # combining diacritics
    + list(range(0x1E00, 0x1F00))  # Latin Extended Additional (ạ, ả, ấ, ầ... ỹ)
    + list(range(0x2000, 0x2070))  # punctuation
    + [0x20AB, 0x2713, 0x2717]  # ₫ ✓ ✗
)


@functools.lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    path = finders.find(FONT_PATH)
    if not path:
        raise DomainError(
            "Thiếu phông chữ để vẽ dấu chữ ký; liên hệ quản trị.",
            "The font used to draw signature stamps is missing; contact the administrators.",
            code="dossiers.signing_font_missing",
        ).with_status(503)
    # fontTools warns about every table it drops while subsetting; nothing is wrong with the font.
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    font = TTFont(path)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_VIETNAMESE)
    subsetter.subset(font)
    scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


class _VietnameseFont(GlyphAccumulatorFactory):
    """A font engine factory reading the prepared font from memory instead of a file path."""

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(_font_bytes()),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )


def _font(size: int) -> _VietnameseFont:
    return _VietnameseFont(font_file=FONT_PATH, font_size=size)


# --- Texts and styles ------------------------------------------------------------------------------


def local_time(moment: dt.datetime) -> str:
    """Date, time to the second and Vietnam's offset, in ISO 8601 (2026-11-25T16:06:04+07:00)."""
    return moment.astimezone(TZ).isoformat(timespec="seconds")


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), width=width) or [""]


def person_text(*, name: str, title: str, organisation: str, moment: dt.datetime) -> str:
    lines = _wrap(f"Ký bởi: {name}", 34)[:2]
    if title:
        lines.append(title[:40])
    lines += _wrap(organisation, 34)[:2]
    lines.append("Thời gian ký:")
    lines.append(local_time(moment))
    return "\n".join(lines)


def seal_text(*, organisation: str, moment: dt.datetime) -> str:
    lines = _wrap(organisation.upper(), 22)[:3]
    lines.append(local_time(moment))
    return "\n".join(lines)


def _escape(text: str) -> str:
    # pyHanko interpolates the stamp text with %-formatting.
    return text.replace("%", "%%")


def _layout(left: int, x_align: layout.AxisAlignment) -> layout.SimpleBoxLayoutRule:
    return layout.SimpleBoxLayoutRule(
        x_align=x_align,
        y_align=layout.AxisAlignment.ALIGN_MID,
        margins=layout.Margins(left=left, right=4, top=4, bottom=4),
        inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
    )


def person_style(text: str) -> TextStampStyle:
    """Blue text in the right two thirds of the stamp: the left third is where the seal goes."""
    return TextStampStyle(
        stamp_text=_escape(text),
        text_box_style=TextBoxStyle(font=_font(7), font_size=7, leading=9, text_color=BLUE),
        inner_content_layout=_layout(round(PERSON_WIDTH / 3) + 4, layout.AxisAlignment.ALIGN_MIN),
        border_width=1,
        border_color=BLUE,
        background=None,
    )


def seal_style(text: str) -> TextStampStyle:
    return TextStampStyle(
        stamp_text=_escape(text),
        text_box_style=TextBoxStyle(font=_font(7), font_size=7, leading=9, text_color=RED),
        inner_content_layout=_layout(4, layout.AxisAlignment.ALIGN_MID),
        border_width=2,
        border_color=RED,
        background=None,
    )
