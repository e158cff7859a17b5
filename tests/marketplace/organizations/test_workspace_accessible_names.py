"""axe-core's label-content-name-mismatch on the workspace's “设置资格” links
(issue 14, item 12): the visible text is part of each link's accessible name,
which also names the member (visually hidden text, no aria-label)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse


class _Links(HTMLParser):
    """Each <a>: its attributes, its visible text and its full text (with
    the visually hidden parts)."""

    def __init__(self):
        super().__init__()
        self.links, self._open, self._hidden = [], None, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self._open = {"attrs": attrs, "visible": "", "full": ""}
        elif self._open is not None and tag == "span":
            self._hidden += 1 if "visually-hidden" in (attrs.get("class") or "") else 0
            self._open.setdefault("spans", []).append("visually-hidden" in (attrs.get("class") or ""))

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self.links.append(self._open)
            self._open, self._hidden = None, 0
        elif tag == "span" and self._open is not None and self._open.get("spans"):
            if self._open["spans"].pop():
                self._hidden -= 1

    def handle_data(self, data):
        if self._open is not None:
            self._open["full"] += data
            if not self._hidden:
                self._open["visible"] += data


def _qualification_links(html, href_part):
    parser = _Links()
    parser.feed(html)
    return [link for link in parser.links if href_part in link["attrs"].get("href", "")]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "visible"), [("zh-hans", "设置资格"), ("en", "Set qualification")])
def test_set_qualification_links_name_contains_their_visible_text(
    client, settings, make_org, org_admin, language, visible
):
    organization = make_org("draft", admin=org_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(org_admin)
    response = client.get(reverse("orgs:workspace", args=[organization.pk]))
    assert response.status_code == 200
    staff = response.context["staff"]
    assert staff
    html = response.content.decode()
    for person in staff:
        [link] = _qualification_links(html, reverse("orgs:staff", args=[organization.pk, person.pk]))
        assert "aria-label" not in link["attrs"]  # the name comes from the content
        assert link["visible"].strip() == visible
        name = " ".join(link["full"].split())
        # The accessible name starts with the visible text and names the member.
        assert name.startswith(visible) and name.endswith(person.name)
