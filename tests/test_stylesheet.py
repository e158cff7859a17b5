"""The site stylesheet keeps its controls readable and big enough to touch.

Parses static/css/site.css and the other stylesheets beside it (rules,
@media blocks, custom properties) and checks, without a browser:

* every rule that sets a text colour reaches WCAG AA (4.5:1) against the
  background it declares, or, when it declares none, against every background
  it can sit on: the page's light backgrounds, or the red header, the darker
  navigation bar or the footer when its selector says so.  White text on the
  page (the invisible "Remove" and "Delete" buttons of issue 14) fails here;
* each button, link-button, tab, pagination link and header control, in each
  state, is readable (its combined rules, as the cascade applies them);
* each of them declares a touch target of at least 44 px (min-height), and no
  rule lowers a button's min-height below that again.

The browser journeys (tests/e2e) check the computed styles with the same
helper, tests/e2e/contrast.py.
"""

import re
from pathlib import Path

import pytest

from tests.e2e.contrast import AA_TEXT, contrast_ratio

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "site.css"
# site.css first (its :root variables), then any other stylesheet base.html loads.
STYLESHEETS = [STYLESHEET, *sorted(p for p in STYLESHEET.parent.glob("*.css") if p != STYLESHEET)]
MIN_TARGET_PX = 44
ROOT_FONT_PX = 16

PAGE_BACKGROUNDS = ["#ffffff", "var(--bg-soft)", "#e7f0fa", "#fdf0f0", "#e6f4ea", "#fff8e1"]
HEADER = ["var(--red)"]
NAV = ["var(--red-dark)"]
FOOTER = ["#23272e"]
# Where a selector's element sits when the selector itself does not say it
# (the brand and header links appear only in the red header of base.html).
CONTEXTS = [
    (re.compile(r"^\.site-nav\b"), NAV),
    (re.compile(r"^\.site-header\b|^\.brand\b"), HEADER),
    (re.compile(r"^\.site-footer\b"), FOOTER),
]


# --- a small CSS reader ------------------------------------------------------------


def _strip_comments(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def parse_rules(text, media=""):
    """[(media, selector, {property: value})] in source order; one entry per
    selector of a selector list."""
    rules = []
    text = _strip_comments(text)
    position = 0
    while True:
        brace = text.find("{", position)
        if brace < 0:
            break
        prelude = text[position:brace].strip()
        depth, end = 1, brace + 1
        while depth:
            if text[end] == "{":
                depth += 1
            elif text[end] == "}":
                depth -= 1
            end += 1
        body = text[brace + 1 : end - 1]
        if prelude.startswith("@media"):
            rules.extend(parse_rules(body, media=prelude))
        elif not prelude.startswith("@"):
            declarations = {}
            for declaration in body.split(";"):
                if ":" in declaration:
                    name, value = declaration.split(":", 1)
                    declarations[name.strip().lower()] = value.replace("!important", "").strip()
            for selector in prelude.split(","):
                rules.append((media, " ".join(selector.split()), declarations))
        position = end
    return rules


@pytest.fixture(scope="module")
def rules():
    return [rule for path in STYLESHEETS for rule in parse_rules(path.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def variables(rules):
    found = {}
    for _media, selector, declarations in rules:
        if selector == ":root":
            found.update({name: value for name, value in declarations.items() if name.startswith("--")})
    return found


def resolve(value, variables):
    for _ in range(5):
        match = re.search(r"var\((--[\w-]+)\)", value)
        if not match:
            break
        value = value.replace(match[0], variables[match[1]])
    return value.strip()


def background_colour(declarations, variables):
    """The colour of a background(-color) declaration, or None (none, a gradient, unset)."""
    value = declarations.get("background-color") or declarations.get("background")
    if not value:
        return None
    value = resolve(value, variables)
    match = re.match(r"(#[0-9a-fA-F]{3,8}|rgba?\([^)]*\)|transparent|white|black)\b", value)
    return match[1] if match else None


def screen(rules):
    return [rule for rule in rules if "print" not in rule[0]]


def cascade(rules, selectors, media_allowed=("",)):
    """The declarations the given selectors add up to, in source order (a later
    rule wins; all are meant to match one element, e.g. .button + .button-danger)."""
    merged = {}
    for media, selector, declarations in screen(rules):
        if selector in selectors and (media in media_allowed or "*" in media_allowed):
            merged.update(declarations)
    return merged


def backgrounds_for(selector):
    for pattern, backgrounds in CONTEXTS:
        if pattern.search(selector):
            return backgrounds
    return PAGE_BACKGROUNDS


def pixels(value):
    value = value.strip()
    if value.endswith("px"):
        return float(value[:-2])
    if value.endswith("rem"):
        return float(value[:-3]) * ROOT_FONT_PX
    if value in ("0", "auto", "none"):
        return 0.0
    raise AssertionError(f"cannot read a length from {value!r}")


# --- contrast ----------------------------------------------------------------------


def test_the_reader_finds_the_stylesheet(rules, variables):
    selectors = {selector for _m, selector, _d in rules}
    assert {".button", ".link-button", ".site-header .link-button", ".pagination a"} <= selectors
    assert variables["--blue"] == "#0b4f8a"


def test_every_text_colour_is_readable_on_its_backgrounds(rules, variables):
    failures = []
    for _media, selector, declarations in screen(rules):
        if "color" not in declarations or selector == ":root":
            continue
        colour = resolve(declarations["color"], variables)
        if colour in ("inherit", "currentcolor", "currentColor"):
            continue
        own = background_colour(declarations, variables)
        candidates = backgrounds_for(selector)
        for context in candidates:
            beneath = resolve(context, variables)
            ratio = contrast_ratio(colour, own or beneath, over=beneath)
            if ratio < AA_TEXT:
                failures.append(f"{selector}: {colour} on {own or beneath} is {ratio:.2f}:1")
    assert not failures, "text below WCAG AA 4.5:1:\n" + "\n".join(failures)


# Each control as the cascade builds it: the rules that apply together, where it sits.
CONTROLS = {
    "button": ([".button"], PAGE_BACKGROUNDS),
    "button hover": ([".button", ".button:hover"], PAGE_BACKGROUNDS),
    "secondary button": ([".button", ".button-secondary"], PAGE_BACKGROUNDS),
    "secondary button hover": (
        [".button", ".button:hover", ".button-secondary", ".button-secondary:hover"],
        PAGE_BACKGROUNDS,
    ),
    "danger button": ([".button", ".button-danger"], PAGE_BACKGROUNDS),
    "danger button hover": ([".button", ".button:hover", ".button-danger", ".button-danger:hover"], PAGE_BACKGROUNDS),
    "small button": ([".button", ".button-small"], PAGE_BACKGROUNDS),
    "large button": ([".button", ".button-large"], PAGE_BACKGROUNDS),
    "header switch button": ([".button", ".button-small", ".site-header .button-small"], HEADER),
    "header switch button hover": (
        [".button", ".button:hover", ".button-small", ".site-header .button-small", ".site-header .button-small:hover"],
        HEADER,
    ),
    "link-button on the page": ([".header-link", ".link-button"], PAGE_BACKGROUNDS),
    "link-button on the page, hover": ([".header-link", ".link-button", ".link-button:hover"], PAGE_BACKGROUNDS),
    "link-button in the header": ([".header-link", ".link-button", ".site-header .link-button"], HEADER),
    "link-button in the header, hover": (
        [
            ".header-link",
            ".link-button",
            ".link-button:hover",
            ".site-header .link-button",
            ".site-header .link-button:hover",
        ],
        HEADER,
    ),
    "header link": ([".header-link", ".site-header .header-link"], HEADER),
    "header link elsewhere": ([".header-link"], PAGE_BACKGROUNDS),
    "navigation link": ([".site-nav a"], NAV),
    "navigation link, current": ([".site-nav a", '.site-nav a[aria-current="page"]'], NAV),
    "pagination link": ([".pagination a"], PAGE_BACKGROUNDS),
    "pagination link, hover": ([".pagination a", ".pagination a:hover"], PAGE_BACKGROUNDS),
    "bid tab": ([".bid-tabs a"], PAGE_BACKGROUNDS),
    "bid tab, current": ([".bid-tabs a", '.bid-tabs a[aria-current="page"]'], PAGE_BACKGROUNDS),
    "review tab": ([".state-tabs a"], PAGE_BACKGROUNDS),
    "review tab, current": ([".state-tabs a", '.state-tabs a[aria-current="page"]'], PAGE_BACKGROUNDS),
    "skip link": ([".skip-link"], PAGE_BACKGROUNDS),
    "wizard step link": ([".wizard-step a"], ["#ffffff", "#e7f0fa"]),
    "form button link": ([".form-buttons a"], PAGE_BACKGROUNDS),
    "staff link": ([".staff-list a"], PAGE_BACKGROUNDS),
}

# Every control above must be a 44 px target (the skip link is off screen until focused).
NO_TARGET_CHECK = {"skip link"}


@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_each_control_is_readable(rules, variables, name):
    selectors, contexts = CONTROLS[name]
    for selector in selectors:
        assert any(selector == s for _m, s, _d in rules), f"{selector} is not in the stylesheet any more"
    merged = cascade(rules, selectors)
    # A link without its own colour is a link: blue (the a rule); text otherwise ink.
    colour = resolve(merged.get("color", "var(--blue)"), variables)
    own = background_colour(merged, variables)
    for context in contexts:
        beneath = resolve(context, variables)
        ratio = contrast_ratio(colour, own or beneath, over=beneath)
        assert ratio >= AA_TEXT, f"{name}: {colour} on {own or beneath} is {ratio:.2f}:1"


@pytest.mark.parametrize("name", sorted(set(CONTROLS) - NO_TARGET_CHECK))
def test_each_control_is_a_44px_target(rules, name):
    selectors, _contexts = CONTROLS[name]
    merged = cascade(rules, selectors)
    assert "min-height" in merged, f"{name}: no min-height"
    assert pixels(merged["min-height"]) >= MIN_TARGET_PX, f"{name}: min-height {merged['min-height']}"


def test_link_buttons_are_wide_enough_to_touch(rules):
    """The 19 px wide "移除" of issue 14."""
    for selectors in ([".header-link", ".link-button"], [".pagination a"], [".bid-tabs a"], [".state-tabs a"]):
        merged = cascade(rules, selectors)
        assert pixels(merged.get("min-width", "0")) >= MIN_TARGET_PX, selectors


def test_no_rule_shrinks_a_control_below_44px(rules):
    control = re.compile(r"\.button\b|\.button-|\.link-button|\.header-link|\.pagination a|-tabs a|summary|select")
    too_small = [
        f"{selector}: {declarations['min-height']}"
        for _media, selector, declarations in screen(rules)
        if control.search(selector)
        and "min-height" in declarations
        and pixels(declarations["min-height"]) < MIN_TARGET_PX
    ]
    assert not too_small, too_small


def test_small_links_in_tables_are_targets_on_a_phone(rules):
    phone = [
        (selector, declarations)
        for media, selector, declarations in rules
        if "max-width: 40rem" in media and "min-height" in declarations
    ]
    selectors = {selector for selector, _d in phone}
    assert {"td a", "td .link-button", ".breadcrumb a"} <= selectors
    for _selector, declarations in phone:
        assert pixels(declarations["min-height"]) >= MIN_TARGET_PX


def test_the_checks_catch_white_on_white():
    """The checks themselves: the old .link-button rule fails them."""
    old = parse_rules(
        ".header-link, .link-button { color: #fff; font: inherit; }\n"
        ".link-button { background: none; border: 0; padding: 0; }"
    )
    merged = cascade(old, [".header-link", ".link-button"])
    assert contrast_ratio(merged["color"], "#ffffff") < AA_TEXT
    assert "min-height" not in merged
