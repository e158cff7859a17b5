"""WCAG 2.x colour contrast, as pure functions (no browser, no Django).

The browser journeys read computed styles (``getComputedStyle`` answers
``rgb(r, g, b)`` or ``rgba(r, g, b, a)``) and ask::

    contrast_ratio("rgb(255, 255, 255)", "rgb(164, 22, 26)")   # 7.0...
    meets_aa(color, background)                                 # 4.5:1 for text
    meets_aa(color, background, large=True)                     # 3:1 for large text

The stylesheet test (tests/test_stylesheet.py) asks the same of the colours
declared in static/css/site.css.  Colours may be given as ``#rgb``, ``#rrggbb``,
``#rrggbbaa``, ``rgb()``/``rgba()`` (commas or spaces, ``/ alpha``), a few
names, or ``(r, g, b[, a])`` tuples.  A translucent foreground or background
is composited over the colour beneath it (``over``, default white).
"""

import re

AA_TEXT = 4.5
AA_LARGE_TEXT = 3.0
AA_NON_TEXT = 3.0  # focus rings, borders that identify a control (WCAG 1.4.11)

NAMED = {
    "white": (255, 255, 255, 1.0),
    "black": (0, 0, 0, 1.0),
    "transparent": (0, 0, 0, 0.0),
}

_FUNCTION = re.compile(r"^rgba?\((.*)\)$")


def parse_color(value):
    """(r, g, b, alpha) with r, g, b in 0..255 and alpha in 0..1."""
    if isinstance(value, (tuple, list)):
        if len(value) == 3:
            return (*(float(c) for c in value), 1.0)
        if len(value) == 4:
            return tuple(float(c) for c in value)
        raise ValueError(f"not a colour: {value!r}")
    text = str(value).strip().lower()
    if text in NAMED:
        return NAMED[text]
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits)
        if len(digits) not in (6, 8) or not re.fullmatch(r"[0-9a-f]+", digits):
            raise ValueError(f"not a colour: {value!r}")
        channels = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
        alpha = channels[3] / 255 if len(channels) == 4 else 1.0
        return (float(channels[0]), float(channels[1]), float(channels[2]), alpha)
    match = _FUNCTION.match(text)
    if match:
        parts = [p for p in re.split(r"[\s,/]+", match[1].strip()) if p]
        if len(parts) not in (3, 4):
            raise ValueError(f"not a colour: {value!r}")
        rgb = [float(p[:-1]) * 2.55 if p.endswith("%") else float(p) for p in parts[:3]]
        alpha = 1.0
        if len(parts) == 4:
            alpha = float(parts[3][:-1]) / 100 if parts[3].endswith("%") else float(parts[3])
        return (rgb[0], rgb[1], rgb[2], alpha)
    raise ValueError(f"not a colour: {value!r}")


def composite(color, over="#fff"):
    """The opaque colour seen when ``color`` is painted over ``over``."""
    r, g, b, a = parse_color(color)
    br, bg, bb, ba = parse_color(over)
    if ba < 1:
        br, bg, bb, _ = composite((br, bg, bb, ba), "#fff")
    return (r * a + br * (1 - a), g * a + bg * (1 - a), b * a + bb * (1 - a), 1.0)


def relative_luminance(color):
    """WCAG relative luminance of an opaque colour (0 black .. 1 white)."""
    r, g, b, _a = parse_color(color)

    def linear(channel):
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(foreground, background, over="#fff"):
    """WCAG contrast ratio (1..21) of text ``foreground`` on ``background``;
    a translucent background is first composited over ``over``, then a
    translucent foreground over that background."""
    back = composite(background, over)
    fore = composite(foreground, back)
    lighter, darker = sorted((relative_luminance(fore), relative_luminance(back)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def meets_aa(foreground, background, large=False, over="#fff"):
    """True when the pair reaches WCAG AA: 4.5:1 for text, 3:1 for large text
    (at least 24 px, or 18.66 px bold)."""
    return contrast_ratio(foreground, background, over) >= (AA_LARGE_TEXT if large else AA_TEXT)
