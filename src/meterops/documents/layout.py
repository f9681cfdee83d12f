"""What the canvas-drawn documents share: the margin and the unit letterhead."""

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .text import draw_value

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
LETTERHEAD_STYLE = ParagraphStyle(
    "letterhead", fontName="Helvetica-Bold", fontSize=10, leading=4.5 * mm
)


def unit_lines(unit) -> list[str]:
    names, node = [], unit
    while node is not None:
        names.append(node.name)
        node = node.parent
    return ["PT PLN (PERSERO)", *reversed(names)]


def draw_letterhead(canvas: Canvas, unit, *, top: float, width: float) -> float:
    """PLN and the unit's ancestry, one line each (cut if a name is too long); the next y."""
    y = top
    for line in unit_lines(unit):
        y = draw_value(
            canvas, line, x=MARGIN, y=y, width=width, style=LETTERHEAD_STYLE, max_lines=1
        )
    return y


def draw_rows(
    canvas: Canvas, y: float, rows: list[tuple], *, font_size: float, line: float
) -> float:
    """``label : value`` rows; a value wraps under itself up to two lines, or up to the third
    item of its row (an address, notes), so that a record keeps to its page; the next y."""
    style = ParagraphStyle(
        "value", fontName="Helvetica", fontSize=font_size, leading=font_size * 1.25
    )
    value_x = MARGIN + 47 * mm
    width = PAGE_WIDTH - MARGIN - value_x
    for label, value, *more in rows:
        max_lines = more[0] if more else 2
        canvas.setFont("Helvetica", font_size)
        canvas.drawString(MARGIN, y, label)
        canvas.drawString(MARGIN + 45 * mm, y, ":")
        below = draw_value(
            canvas, value, x=value_x, y=y, width=width, style=style, max_lines=max_lines
        )
        # A one-line value keeps the row pitch; a wrapped one pushes the next row down.
        y = min(y - line, below - (line - style.leading))
    return y
