"""Server-side SVG geometry for the load-profile chart: no JavaScript, no CDN."""

from decimal import Decimal

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 360, 180, 34, 24, 10


def _scale(values: list[Decimal], height: int) -> tuple[Decimal, Decimal]:
    top = max(values, default=Decimal(0))
    return (top, Decimal(height) / top) if top > 0 else (Decimal(0), Decimal(0))


def load_profile_chart(rows: list[dict]) -> dict:
    """Bars of monthly kWh used, with lines of sisa kWh, voltage and arus (each on its own
    scale); the arus line joins only the months whose card record carried it."""
    plot_h = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT) / max(len(rows), 1)
    used = [row["used"] or Decimal(0) for row in rows]
    credit = [row["record"].credit_kwh for row in rows]
    volts = [Decimal(row["record"].voltage) for row in rows]
    currents = [row["record"].current_amp for row in rows]
    used_top, used_k = _scale(used, plot_h)
    credit_top, credit_k = _scale(credit, plot_h)
    current_top, current_k = _scale([c for c in currents if c is not None], plot_h)
    bars, credit_points, volt_points, current_points = [], [], [], []
    volt_low, volt_span = Decimal(150), Decimal(100)  # voltage axis 150-250 V
    for i, row in enumerate(rows):
        x = LEFT + step * i
        h = float(used[i] * used_k)
        bars.append(
            {
                "x": round(x + step * 0.15, 1),
                "y": round(TOP + plot_h - h, 1),
                "w": round(step * 0.7, 1),
                "h": round(h, 1),
                "label": row["record"].period[2:4] + "/" + row["record"].period[4:],
                "label_x": round(x + step / 2, 1),
                "value": row["used"],
                "tamper": row["tamper"],
            }
        )
        cx = round(x + step / 2, 1)
        credit_points.append(f"{cx},{round(TOP + plot_h - float(credit[i] * credit_k), 1)}")
        share = min(max((volts[i] - volt_low) / volt_span, Decimal(0)), Decimal(1))
        volt_points.append(f"{cx},{round(TOP + plot_h - float(share) * plot_h, 1)}")
        if currents[i] is not None:
            y = round(TOP + plot_h - float(currents[i] * current_k), 1)
            current_points.append(f"{cx},{y}")
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "baseline": HEIGHT - BOTTOM,
        "top": TOP,
        "label_y": HEIGHT - 8,
        "bars": bars,
        "used_top": used_top,
        "credit_top": credit_top,
        "credit_points": " ".join(credit_points),
        "volt_points": " ".join(volt_points),
        "current_top": current_top,
        "current_points": " ".join(current_points),
    }
