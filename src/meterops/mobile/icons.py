"""Draw the field app's icons (a meter dial on PLN blue) as real PNGs with Pillow.

Run ``python -m meterops.mobile.icons`` after changing the design; the PNGs are committed in
static/mobile/icons/ so the app needs no build step.
"""

from pathlib import Path

from PIL import Image, ImageDraw

FOLDER = Path(__file__).parent / "static" / "mobile" / "icons"
BLUE, YELLOW, WHITE = (11, 94, 168), (255, 204, 0), (255, 255, 255)


def draw(size: int) -> Image.Image:
    image = Image.new("RGB", (size, size), BLUE)
    d = ImageDraw.Draw(image)
    pad = size // 6
    d.rounded_rectangle((pad, pad, size - pad, size - pad), radius=size // 10, fill=WHITE)
    inner = size // 4
    d.pieslice((inner, inner, size - inner, size - inner), 180, 360, fill=YELLOW)
    centre = size // 2
    tip = (size - inner - size // 12, inner + size // 8)
    d.line((centre, centre, *tip), fill=BLUE, width=size // 28)
    r = size // 24
    d.ellipse((centre - r, centre - r, centre + r, centre + r), fill=BLUE)
    bar = size // 14
    d.rectangle((inner, centre + bar, size - inner, centre + 3 * bar), fill=BLUE)
    return image


def main() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size).save(FOLDER / f"icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
