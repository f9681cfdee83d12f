"""Server-side SVG geometry of the campaign dashboard: one stacked bar per row, no JavaScript."""

WIDTH, BAR, GAP, LABEL = 360, 18, 8, 96


def progress_chart(rows: list[dict]) -> dict:
    """Bars of Berhasil (green), Gagal (red) and Sisa (grey), each row scaled to 100 %."""
    plot = WIDTH - LABEL - 8
    bars = []
    for i, row in enumerate(rows):
        y = GAP + i * (BAR + GAP)
        total = row["targeted"] or 1
        x, parts = LABEL, []
        for kind, count in (
            ("done", row["done"]),
            ("failed", row["failed"]),
            ("remaining", row["remaining"]),
        ):
            width = round(plot * count / total, 1)
            if width > 0:
                parts.append({"kind": kind, "x": round(x, 1), "width": width, "count": count})
            x += width
        bars.append({"y": y, "text_y": y + BAR - 5, "label": row["code"], "parts": parts, **row})
    return {"width": WIDTH, "height": GAP + len(rows) * (BAR + GAP), "bars": bars, "bar": BAR}
