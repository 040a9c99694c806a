"""Printable Chinese PDF documents (bulletins, mediation agreements, case-file covers).

Documents are built with reportlab's platypus from a list of flowables. The Chinese font is
WenQuanYi Zen Hei, embedded in each file, from Debian's `fonts-wqy-zenhei` (installed by
`make test` / `make demo`; set GRIDGOV_PDF_FONT to another TrueType file to use that). When no
font file is found the documents fall back to the PDF standard CJK font STSong-Light, which
readers supply themselves, so a document is always produced.
"""

import io
import os
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
FONT = "gridgov-cjk"


@cache
def font_name() -> str:
    """Register the Chinese font once per process and return its name."""
    candidates = [os.environ.get("GRIDGOV_PDF_FONT", ""), *FONT_FILES]
    for path in filter(None, candidates):
        if os.path.exists(path):
            pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
            return FONT
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


@cache
def styles() -> dict[str, ParagraphStyle]:
    """Title, heading, body and small styles in the Chinese font (wordWrap CJK breaks lines
    between any two characters, as Chinese text needs)."""
    name = font_name()
    body = ParagraphStyle("body", fontName=name, fontSize=11, leading=17, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=body, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4 * mm
        ),
        "heading": ParagraphStyle(
            "heading", parent=body, fontSize=13, leading=20, spaceBefore=3 * mm, spaceAfter=2 * mm
        ),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=9, leading=13),
        "centre": ParagraphStyle("centre", parent=body, alignment=TA_CENTER),
    }


def paragraph(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped; line breaks kept)."""
    escaped = (
        str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
    )
    return Paragraph(escaped, styles()[style])


def table(rows: list[list], *, header: bool = True, widths: list[float] | None = None) -> Table:
    """A bordered table of plain values; the first row is shaded as a header when `header`."""
    cells = [[paragraph("" if value is None else value, "small") for value in row] for row in rows]
    result = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")))
    result.setStyle(TableStyle(commands))
    return result


def spacer(height_mm: float = 4) -> Spacer:
    return Spacer(1, height_mm * mm)


def render(flowables: list, *, title: str, author: str = "gridgov") -> bytes:
    """The PDF bytes of an A4 document made of `flowables`, with page numbers in the footer."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=author,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font_name(), 9)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    document.build(list(flowables), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
