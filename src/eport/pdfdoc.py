"""A plain text document as a PDF (三方协议, 代理报关委托书): a title, rows of particulars and numbered
paragraphs, in Chinese or English. reportlab's built-in CID font STSong-Light needs no font file: every PDF
reader has the Adobe-GB1 glyphs it names. Knows no app: the domains pass the text. `pdf_response`: a
signed PDF as both skins answer it."""

import functools
from io import BytesIO
from xml.sax.saxutils import escape

from django.http import HttpResponse
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"


@functools.cache
def _font() -> str:
    """Registered once, when the first document is rendered (not when the module is imported)."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1, spaceAfter=6 * mm)
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK", spaceAfter=2.5 * mm)
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")


def text_pdf(
    title: str, rows: list[tuple[str, str]], paragraphs: list[str], *, author: str = "", subject: str = ""
) -> bytes:
    """The document as PDF bytes: `rows` (label, value) in a table under the title, then `paragraphs`."""
    _font()
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=author,
        subject=subject,
        creator="E-Port",
    )
    table = Table(
        [[Paragraph(escape(k), _CELL), Paragraph(escape(v), _CELL)] for k, v in rows],
        colWidths=[40 * mm, 130 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [Paragraph(escape(title), _TITLE), table, Spacer(1, 6 * mm)]
    story += [Paragraph(escape(p), _BODY) for p in paragraphs]
    doc.build(story)
    return out.getvalue()


def pdf_response(data: bytes | memoryview, filename: str, *, inline: bool = True) -> HttpResponse:
    """The PDF as an HTTP answer: shown in the browser (`inline`) or offered as a download."""
    response = HttpResponse(bytes(data), content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response
