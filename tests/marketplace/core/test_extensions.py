"""Apps built on marketplace add sections and panels through named slots
(marketplace/core/extensions.py), so marketplace never imports them."""

import pytest

from marketplace.core import extensions
from marketplace.workspace.selectors import Section


@pytest.fixture
def registered():
    added = []

    def add(slot, function):
        extensions.register(slot, function)
        added.append((slot, function))
        return function

    yield add
    for slot, function in added:
        extensions.unregister(slot, function)


def test_an_unknown_slot_is_refused():
    with pytest.raises(ValueError, match="unknown extension slot"):
        extensions.register("nowhere", lambda: None)


@pytest.mark.django_db
def test_a_registered_section_is_on_the_officers_to_do_page(client, officer, registered):
    registered("officer_todo", lambda user, now: Section(key="lights", title="合同亮灯（测试）", rank=0, count=0))
    client.force_login(officer)
    assert "合同亮灯（测试）" in client.get("/work/").content.decode()


@pytest.mark.django_db
def test_a_panel_shows_on_the_organization_workspace(client, bidder, org_admin, registered, settings, tmp_path):
    (tmp_path / "panel.html").write_text("<p>面板：{{ panel.context.text }}</p>", encoding="utf-8")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], str(tmp_path)]}]
    registered("organization_workspace", lambda user, org: extensions.Panel("panel.html", {"text": org.name}))
    registered("organization_workspace", lambda user, org: None)
    client.force_login(org_admin)
    html = client.get(f"/org/{bidder.pk}/").content.decode()
    assert f"面板：{bidder.name}" in html
