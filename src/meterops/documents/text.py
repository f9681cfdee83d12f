"""Text into PDFs: every value a document prints goes through here, as plain text (issue #17).

ReportLab reads a ``Paragraph``'s text as markup (``<img src=…>`` embeds a file, an unclosed
``<b>`` raises), so no other module of ``documents`` builds a ``Paragraph``: they hand values to
``paragraph`` / ``lines``, which escape them, or to ``draw_value`` on a canvas. A test renders
every document with hostile values and checks that no other module imports ``Paragraph``.
"""

import unicodedata
from collections.abc import Iterable
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

STYLES = getSampleStyleSheet()
ELLIPSIS = "…"


def plain(value) -> str:
    """The value as one line of printable text: control and invisible format characters (bidi
    overrides, zero-width marks) dropped, since the PDF fonts have no glyph for them and a
    right-to-left override would reorder what the reader sees; newlines and tabs become spaces."""
    text = "" if value is None else str(value)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\t\n\r\v\f":
            kept.append(" ")
        elif category not in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            kept.append(char)
    return "".join(kept)


def _markup(value) -> str:
    return escape(plain(value))


def paragraph(value, style: str | ParagraphStyle = "Normal") -> Paragraph:
    """A paragraph showing ``value`` literally; long words break at the frame's edge."""
    return Paragraph(_markup(value), _style(style))


def lines(values: Iterable, style: str | ParagraphStyle = "Normal") -> Paragraph:
    """One paragraph showing each value literally on its own line."""
    return Paragraph("<br/>".join(_markup(value) for value in values), _style(style))


def draw_value(
    canvas: Canvas,
    value,
    *,
    x: float,
    y: float,
    width: float,
    style: ParagraphStyle,
    max_lines: int = 3,
) -> float:
    """Draw ``value`` with its first line's baseline at ``y``, wrapped to ``width`` and cut with
    an ellipsis after ``max_lines`` so one record still fits its page; the next free ``y``."""
    text = plain(value)
    item = paragraph(text, style)
    _width, height = item.wrap(width, 10_000)
    while height > max_lines * style.leading and text:
        text = text[: max(len(text) * 9 // 10, len(text) - 40, 0)].rstrip()
        item = paragraph(text + ELLIPSIS, style)
        _width, height = item.wrap(width, 10_000)
    # drawOn places the paragraph's bottom; its first baseline sits one font size under its top.
    item.drawOn(canvas, x, y + style.fontSize - height)
    return y - height


def _style(style: str | ParagraphStyle) -> ParagraphStyle:
    return STYLES[style] if isinstance(style, str) else style
