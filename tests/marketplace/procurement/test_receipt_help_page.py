"""/help/bid-receipts/ (issue 14, item 12): it leads with what a bidder does,
the technical part follows under its own heading, and every code block that
can scroll is a focusable, named region (axe-core's scrollable-region-focusable)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.test_stylesheet import STYLESHEET, parse_rules


class _Outline(HTMLParser):
    """Headings in order, and each <pre> with its class and its parent element."""

    def __init__(self):
        super().__init__()
        self.stack, self.headings, self.pres, self._heading = [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "pre":
            self.pres.append({"attrs": attrs, "parent": self.stack[-1] if self.stack else None})
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = {"level": int(tag[1]), "id": attrs.get("id"), "text": ""}
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        if self._heading is not None and tag == f"h{self._heading['level']}":
            self.headings.append(self._heading)
            self._heading = None
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self._heading is not None:
            self._heading["text"] += data


def _page(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("bid_receipt_help"))
    assert response.status_code == 200
    html = response.content.decode()
    outline = _Outline()
    outline.feed(html)
    return html, outline


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_scrolling_code_blocks_are_focusable_named_regions(client, site, language):
    _html, outline = _page(client, language)
    commands = [pre for pre in outline.pres if "command" in pre["attrs"].get("class", "")]
    assert len(commands) == 3
    for pre in commands:
        tag, attrs = pre["parent"]
        assert tag == "div" and "code-scroll" in attrs.get("class", "")
        assert attrs.get("tabindex") == "0" and attrs.get("role") == "region"
        assert attrs.get("aria-label", "").strip()
    names = [pre["parent"][1]["aria-label"] for pre in commands]
    assert len(set(names)) == len(names)  # each region has its own name
    # The canonical text wraps instead of scrolling: not a scroll region at all.
    assert all(
        pre["parent"][0] != "div" or "code-scroll" not in pre["parent"][1].get("class", "")
        for pre in outline.pres
        if "canonical" in pre["attrs"].get("class", "")
    )


def test_the_stylesheet_makes_only_the_regions_scroll():
    rules = parse_rules(STYLESHEET.read_text(encoding="utf-8"))
    merged = {}
    for _media, selector, declarations in rules:
        if selector == "pre.canonical":
            merged.update(declarations)
    assert merged["white-space"] == "pre-wrap" and merged["overflow-x"] == "visible"
    region = {k: v for _m, s, d in rules if s == ".code-scroll" for k, v in d.items()}
    assert region["overflow-x"] == "auto"
    inner = {k: v for _m, s, d in rules if s == ".code-scroll > pre" for k, v in d.items()}
    assert inner["overflow"] == "visible"


@pytest.mark.django_db
def test_the_page_leads_with_what_a_bidder_does(client, site):
    html, outline = _page(client, "en")
    levels = [(h["level"], h["id"]) for h in outline.headings if h["level"] <= 2]
    h2_ids = [heading_id for level, heading_id in levels if level == 2]
    # The plain steps come first, the technical part after, under its own heading.
    assert h2_ids[0] == "steps" and "technical" in h2_ids
    assert h2_ids.index("steps") < h2_ids.index("technical")
    steps, technical = html.index('id="steps"'), html.index('id="technical"')
    for plain in ("Find the receipt.", "Keep a copy.", "What the digest is for.", "Check it after the deadline."):
        assert steps < html.index(plain) < technical
    for code in ("sha256sum", "hashlib.sha256", "json.dumps", 'id="example-canonical"'):
        assert html.index(code) > technical, code
    # The technical sections sit below the technical heading (h3 and h4).
    assert {h["id"] for h in outline.headings if h["level"] == 3} >= {"canonical", "example", "recompute", "opening"}


@pytest.mark.django_db
def test_the_plain_steps_in_chinese(client, site):
    html, _outline = _page(client, "zh-hans")
    assert 'lang="zh-Hans"' in html
    assert html.index('id="steps"') < html.index('id="technical"')


def test_template_has_no_unnamed_scroll_region():
    template = Path(settings.BASE_DIR) / "templates/marketplace/procurement/bids/receipt_help.html"
    source = template.read_text(encoding="utf-8")
    assert source.count('class="code-scroll" tabindex="0" role="region" aria-label="') == source.count(
        '<pre class="command"'
    )
