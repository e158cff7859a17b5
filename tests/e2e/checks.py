"""What every page a journey visits must pass (issue 14).

- ``axe_violations(page)``: axe-core (vendored: tests/e2e/vendor/axe.min.js,
  never a CDN) on the page as it is; violations of impact *serious* or
  *critical* count.
- ``control_problems(page)``: every visible button, ``input[type=submit]``
  and link styled as a button (class ``button``/``button-*``, or
  ``role=button``), and every link or button inside a form or a table:
  text/background contrast at least 4.5:1 (the effective background is
  found by walking up the ancestors, blending translucent layers).  Buttons,
  button-styled links, links that stand alone (the only text of their
  paragraph, list item, cell or heading) and check boxes and radio buttons
  (measured with their label) must also be at least 44 × 44 CSS
  pixels at a 390 px wide viewport; links in running text are exempt from
  the size rule (WCAG 2.5.8).  Disabled controls are exempt (WCAG).
  A control over a background image cannot be measured here: it is left to
  axe, which reports it as "incomplete", not as a violation.

The contrast arithmetic is tests/e2e/contrast.py's (WCAG relative luminance,
translucent colours composited); the browser only reports the computed
colours (normalised to ``rgba()`` through a canvas) and boxes.

``PageAudit`` runs both on each page and collects the problems; the
journey asserts ``audit.assert_clean()`` at its end, which lists every
offender by page: rule id, impact and the first targets for axe; the ratio,
the colours or the size and a description of the element for the rest.
"""

from pathlib import Path

from tests.e2e.contrast import composite, contrast_ratio

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
MIN_CONTRAST = 4.5
MIN_TARGET = 44
PHONE_WIDTH = 390
BLOCKING_IMPACTS = ("serious", "critical")

_CONTROLS_JS = r"""
() => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const rgba = (value) => {
    // Any CSS colour (rgb(), color(srgb ...), oklch(), ...) as rgba(), through a 1 px canvas.
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = 'rgba(0, 0, 0, 0)';
    ctx.fillStyle = value;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return `rgba(${r}, ${g}, ${b}, ${(a / 255).toFixed(3)})`;
  };
  const layers = (el) => {
    // Background colours from the element up to the first opaque one (top first);
    // null when a background image is in the way.
    const found = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage && style.backgroundImage !== 'none') return null;
      const colour = rgba(style.backgroundColor);
      if (!colour.endsWith(', 0.000)')) found.push(colour);
      if (colour.endsWith(', 1.000)')) break;
    }
    return found;
  };
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    const classes = (el.getAttribute('class') || '').trim().split(/\s+/).filter(Boolean);
    if (classes.length) name += '.' + classes.join('.');
    if (el.tagName === 'INPUT') name += `[type=${el.type}]`;
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim();
    return `${name} "${text.slice(0, 40)}"`;
  };
  const isButtonLike = (el) =>
    el.matches('button, input[type=submit], input[type=button], input[type=reset], [role=button]') ||
    (el.tagName === 'A' && /(^|\s)button(-[\w-]+)?(\s|$)/.test(el.getAttribute('class') || ''));
  const selector = [
    'button', 'input[type=submit]', 'input[type=button]', 'input[type=reset]', '[role=button]',
    'a.button', 'a[class*="button-"]',
    'form a[href]', 'form button', 'table a[href]', 'table button', 'main a[href]',
  ].join(', ');
  // A link that stands alone: the only text of its paragraph, list item,
  // cell, term or heading ("back to the list", a PDF to download, an item's
  // title).  Links inside running text are exempt from the size rule (WCAG 2.5.8).
  const standsAlone = (el) => {
    const block = el.parentElement && el.parentElement.closest('p, li, dd, dt, td, th, h1, h2, h3, h4, div');
    const own = (el.textContent || '').replace(/\s+/g, ' ').trim();
    return !!block && own !== '' && (block.textContent || '').replace(/\s+/g, ' ').trim() === own;
  };
  const controls = [];
  for (const el of new Set(document.querySelectorAll(selector))) {
    if (el.disabled || el.getAttribute('aria-disabled') === 'true') continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // visually hidden (e.g. a skip link until focused)
    if (el.closest('[aria-hidden=true], [hidden], [inert]')) continue;
    controls.push({
      element: describe(el), color: rgba(getComputedStyle(el).color), layers: layers(el),
      width: box.width, height: box.height, buttonLike: isButtonLike(el) || (el.tagName === 'A' && standsAlone(el)),
    });
  }
  // A check box or radio button: its target is the box together with its label
  // (a click on the label ticks it), so the larger of the two must reach 44 px.
  for (const el of document.querySelectorAll('input[type=checkbox], input[type=radio]')) {
    if (el.disabled || !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    if (el.closest('[aria-hidden=true], [hidden], [inert]')) continue;
    const box = el.getBoundingClientRect();
    const label = el.closest('label') || (el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null);
    const lbox = label ? label.getBoundingClientRect() : box;
    controls.push({
      element: describe(el) + (label ? ` "${label.innerText.replace(/\s+/g, ' ').trim().slice(0, 40)}"` : ''),
      color: null, layers: null,
      width: Math.max(box.width, lbox.width), height: Math.max(box.height, lbox.height), buttonLike: true,
    });
  }
  return controls;
}
"""


def axe_violations(page):
    """Serious and critical axe-core violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + '  ' + n.html.slice(0, 120)),
                count: v.nodes.length,
            }));
        }"""
    )
    return [violation for violation in result if violation["impact"] in BLOCKING_IMPACTS]


def effective_background(layers):
    """The opaque colour behind a control: its background layers (top first)
    blended down to the first opaque one, or to white."""
    back = "#fff"
    for layer in reversed(layers):
        back = composite(layer, back)
    return back


def control_problems(page, *, check_size):
    """Contrast (and with ``check_size`` the touch-target size) of every
    control the page shows: a list of (kind, detail, element)."""
    problems = []
    for control in page.evaluate(_CONTROLS_JS):
        if control["layers"] is not None:
            back = effective_background(control["layers"])
            ratio = contrast_ratio(control["color"], back)
            if ratio < MIN_CONTRAST:
                fore = composite(control["color"], back)
                problems.append(
                    (
                        "contrast",
                        f"contrast {ratio:.2f}:1 < {MIN_CONTRAST}:1 (text {_rgb(fore)} on {_rgb(back)})",
                        control["element"],
                    )
                )
        too_small = control["width"] < MIN_TARGET or control["height"] < MIN_TARGET
        if check_size and control["buttonLike"] and too_small:
            size = f"{control['width']:.0f}×{control['height']:.0f}"
            problems.append(("target", f"touch target {size} px < {MIN_TARGET}×{MIN_TARGET} px", control["element"]))
    return problems


def _rgb(color):
    r, g, b, _a = color
    return f"rgb({r:.0f}, {g:.0f}, {b:.0f})"


def format_axe(violation):
    lines = [f"axe {violation['id']} ({violation['impact']}, {violation['count']} nodes): {violation['help']}"]
    lines += [f"    {target}" for target in violation["targets"]]
    return "\n".join(lines)


class PageAudit:
    """Collects the problems of every page checked in one journey."""

    def __init__(self):
        self.problems = {}  # page label -> [lines]
        self.pages = []

    def check(self, page, label=None):
        """axe and the control checks at the current viewport; the size of
        the touch targets (and the contrast again: the layout changes) at
        390 px wide, the viewport restored afterwards."""
        page.wait_for_load_state("load")
        label = label or page.url.split("://", 1)[-1].split("/", 1)[-1].split("#", 1)[0]
        label = "/" + label if not label.startswith("/") else label
        self.pages.append(label)
        lines = [format_axe(v) for v in axe_violations(page)]
        viewport = page.viewport_size
        if viewport and viewport["width"] != PHONE_WIDTH:
            wide = control_problems(page, check_size=False)
            lines += [f"{detail}: {element}" for _kind, detail, element in wide]
            page.set_viewport_size({"width": PHONE_WIDTH, "height": viewport["height"]})
            try:
                narrow = [p for p in control_problems(page, check_size=True) if p not in wide]
            finally:
                page.set_viewport_size(viewport)
            lines += [f"at {PHONE_WIDTH} px: {detail}: {element}" for _kind, detail, element in narrow]
        else:
            lines += [f"{detail}: {element}" for _kind, detail, element in control_problems(page, check_size=True)]
        if lines:
            self.problems.setdefault(label, []).extend(dict.fromkeys(lines))
        return lines

    def report(self):
        out = []
        for label, lines in self.problems.items():
            out.append(f"{label}:")
            out += [f"  - {line}" for line in lines]
        return "\n".join(out)

    def assert_clean(self):
        assert not self.problems, (
            f"accessibility problems on {len(self.problems)} of {len(self.pages)} pages visited:\n{self.report()}"
        )
