"""A shop's accent colour turned into colours that stay readable (WCAG 2.2 contrast)."""

from __future__ import annotations

WHITE = (255, 255, 255)
INK = (31, 42, 46)
TEXT_CONTRAST = 4.5  # text and links on white
SHAPE_CONTRAST = 3.0  # buttons, markers, borders and focus rings on white


def palette(accent: str) -> dict[str, str]:
    """CSS custom properties for an accent '#rgb' or '#rrggbb', darkened where it is too light."""
    colour = _parse(accent)
    fill, on_fill = _button(colour)
    hover_towards = (0, 0, 0) if on_fill == WHITE else WHITE  # away from the text's colour
    return {
        "--accent": _hex(fill),
        "--accent-ink": _hex(_darken_until(colour, TEXT_CONTRAST)),
        "--accent-strong": _hex(_mix(fill, hover_towards, 0.15)),
        "--accent-soft": _hex(_mix(colour, WHITE, 0.88)),
        "--on-accent": _hex(on_fill),
    }


def _button(colour: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A fill that stands out on white, and a text colour readable on it: ink, or else white."""
    fill = _darken_until(colour, SHAPE_CONTRAST)
    if contrast(INK, fill) >= TEXT_CONTRAST:
        return fill, INK
    return _darken_until(fill, TEXT_CONTRAST), WHITE


def contrast(first: tuple[int, ...], second: tuple[int, ...]) -> float:
    """The WCAG contrast ratio of two sRGB colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _darken_until(colour: tuple[int, ...], ratio: float) -> tuple[int, ...]:
    """The colour, or the least darkened shade of it that reaches the ratio against white."""
    for step in range(11):
        shade = _mix(colour, (0, 0, 0), step / 10)
        if contrast(shade, WHITE) >= ratio:
            return shade
    return (0, 0, 0)


def _mix(colour: tuple[int, ...], other: tuple[int, ...], share: float) -> tuple[int, ...]:
    return tuple(round(c + (o - c) * share) for c, o in zip(colour, other, strict=True))


def _luminance(colour: tuple[int, ...]) -> float:
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _parse(accent: str) -> tuple[int, ...]:
    digits = accent.lstrip("#")
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))


def _hex(colour: tuple[int, ...]) -> str:
    return "#" + "".join(f"{channel:02x}" for channel in colour)
