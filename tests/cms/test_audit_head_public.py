"""The public audit head (issue 17, 8): /audit/ lists the signed daily
heads, /audit/<day>.json is the file publish_audit_head writes, /audit/feed/
is an Atom feed of them; an exported copy of the log (export_audit_log) is
checked against a head (verify_audit_chain --from-file … --head …), with
the key and without it."""

import datetime
import json
import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from marketplace.core.audit import load_head_file, publish_head, record_event
from marketplace.core.models.audit import lanes_digest
from marketplace.models import AuditHeadPublication

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
ATOM = "{http://www.w3.org/2005/Atom}"
# Planted in the events: none of it may reach a public page, file or feed.
MARKERS = ("张小红", "13900001111", "110101199003074514", "resident@example.test", "和平路8号")


def _events(n, start=0):
    for index in range(start, start + n):
        record_event(
            "need.submit",
            object_type="marketplace.need",
            object_id=str(index),
            to_state="submitted",
            reason=f"张小红 13900001111 和平路8号 第{index}条",
            details={"id_number": "110101199003074514", "email": "resident@example.test"},
        )


@pytest.fixture
def heads(db, tmp_path):
    """Two published days: three events by the first, five by the second."""
    _events(3)
    first, first_path, _ = publish_head(now=datetime.datetime(2026, 11, 2, 0, 5, tzinfo=SHANGHAI), directory=tmp_path)
    _events(2, start=3)
    second, second_path, _ = publish_head(now=datetime.datetime(2026, 11, 3, 0, 5, tzinfo=SHANGHAI), directory=tmp_path)
    return {"first": (first, first_path), "second": (second, second_path)}


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_the_page_lists_the_heads_newest_first(client, heads):
    html = _get(client, "/audit/").content.decode()
    first, second = heads["first"][0], heads["second"][0]
    assert first.last_hash in html and second.last_hash in html
    assert first.signature in html and first.key_id in html
    assert html.index("2026-11-03") < html.index("2026-11-02")
    assert 'href="/audit/2026-11-02.json"' in html and 'href="/audit/feed/"' in html
    # The explanation, and the commands it names.
    assert "verify_audit_chain --from-file" in html and "export_audit_log" in html
    with translation.override("en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        english = _get(client, "/audit/").content.decode()
    assert "Without the key, this checks" in english and "HMAC-SHA256" in english
    for marker in MARKERS:
        assert marker not in html and marker not in english
    # A page number out of range or not a number is not an error.
    assert first.last_hash in _get(client, "/audit/?page=99").content.decode()
    assert first.last_hash in _get(client, "/audit/?page=abc").content.decode()


def test_the_json_is_the_published_file_and_its_signature_checks(client, heads, tmp_path):
    publication, path = heads["first"]
    response = _get(client, "/audit/2026-11-02.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert 'filename="audit-head-2026-11-02.json"' in response["Content-Disposition"]
    # Byte for byte the file publish_head wrote, and the stored record's document.
    assert response.content == path.read_bytes()
    assert json.loads(response.content) == AuditHeadPublication.objects.get(day="2026-11-02").as_document()
    downloaded = tmp_path / "downloaded.json"
    downloaded.write_bytes(response.content)
    anchor = load_head_file(downloaded)
    assert (anchor.last_event_id, anchor.last_hash, anchor.event_count) == (
        publication.last_event_id,
        publication.last_hash,
        3,
    )
    for marker in MARKERS:
        assert marker not in response.content.decode()


@pytest.mark.parametrize("day", ["2026-11-04", "2026-13-01", "2026-11-2", "abc", "2026-11-02x"])
def test_an_unknown_or_malformed_day_is_404(client, heads, day):
    assert client.get(f"/audit/{day}.json").status_code == 404


def test_the_feed_is_atom_with_the_heads(client, heads):
    response = _get(client, "/audit/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed, in a test)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}id") is not None and root.find(f"{ATOM}updated") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    newest = entries[0]
    for child in ("title", "id", "updated", "link"):
        assert newest.find(f"{ATOM}{child}") is not None, child
    assert newest.find(f"{ATOM}link").get("href").endswith("/audit/2026-11-03.json")
    assert heads["second"][0].last_hash in newest.find(f"{ATOM}summary").text
    text = response.content.decode()
    for marker in MARKERS:
        assert marker not in text


def _export(tmp_path, head_path=None, name="export.jsonl"):
    export = tmp_path / name
    args = ["--output", str(export)] + (["--head", str(head_path)] if head_path else [])
    call_command("export_audit_log", *args, stdout=StringIO())
    return export


def _verify(export, *heads, without_key=False):
    args = ["--from-file", str(export)]
    for head in heads:
        args += ["--head", str(head)]
    if without_key:
        args.append("--without-key")
    out = StringIO()
    call_command("verify_audit_chain", *args, stdout=out)
    return out.getvalue()


def test_an_export_verifies_against_the_heads(heads, tmp_path):
    first_path, second_path = heads["first"][1], heads["second"][1]
    export = _export(tmp_path, first_path)
    assert len(export.read_text(encoding="utf-8").splitlines()) == 3
    assert "3 events verified" in _verify(export, first_path)
    keyless = _verify(export, first_path, without_key=True)
    assert "3 events verified" in keyless and "WITHOUT the audit key" in keyless
    # The whole log, checked against both days' heads (the first one in the middle).
    everything = _export(tmp_path, name="all.jsonl")
    assert "5 events verified" in _verify(everything, first_path, second_path)
    # A copy cut short of a head is refused.
    with pytest.raises(CommandError, match="is not in the chain"):
        _verify(export, second_path)


def _rewrite(export, number, change):
    lines = export.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[number])
    change(row)
    lines[number] = json.dumps(row, ensure_ascii=False)
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_rewritten_event_fails(heads, tmp_path):
    head = heads["second"][1]
    export = _export(tmp_path, head)
    second_id = json.loads(export.read_text(encoding="utf-8").splitlines()[1])["id"]
    _rewrite(export, 1, lambda row: row.update(reason="改写过的理由"))
    # With the key: the content no longer matches its hash.
    with pytest.raises(CommandError, match=f"BROKEN at event {second_id}: content does not match its hash"):
        _verify(export, head)
    # Without the key the content cannot be checked (the page says so): the hashes still link up.
    assert "5 events verified" in _verify(export, head, without_key=True)

    # A forger without the key must change the hash too: the next link breaks…
    _rewrite(export, 1, lambda row: row.update(hash="f" * 64))
    with pytest.raises(CommandError, match="previous-hash mismatch"):
        _verify(export, head, without_key=True)
    # …and re-linking every later event moves the head away from the published one.
    lines = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    for index in range(2, len(lines)):
        lines[index]["prev_hash"] = lines[index - 1]["hash"]
        lines[index]["hash"] = f"{index:x}" * 64 if index < 10 else "e" * 64
    export.write_text("\n".join(json.dumps(row) for row in lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="does not match the published head of 2026-11-03"):
        _verify(export, head, without_key=True)

    # An event removed from the copy.
    export = _export(tmp_path, head, name="removed.jsonl")
    lines = export.read_text(encoding="utf-8").splitlines()
    export.write_text("\n".join(lines[:1] + lines[2:]) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="previous-hash mismatch"):
        _verify(export, head, without_key=True)


def test_bad_input_to_the_commands_is_refused_with_a_message(heads, tmp_path):
    head = heads["first"][1]
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("not json\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Export REFUSED: line 1 is not an exported audit event"):
        _verify(garbage, head)
    with pytest.raises(CommandError, match="Export REFUSED: cannot read"):
        _verify(tmp_path / "missing.jsonl", head)
    with pytest.raises(CommandError, match="--without-key checks an export"):
        call_command("verify_audit_chain", "--without-key")
    # A head file whose lane hash was edited (its totals made to agree): its
    # signature fails with the key…
    forged = tmp_path / "forged.json"
    document = json.loads(head.read_text(encoding="utf-8"))
    document["lanes"][0]["last_hash"] = "0" * 63 + "1"
    document["last_hash"] = lanes_digest(document["lanes"])
    forged.write_text(json.dumps(document), encoding="utf-8")
    export = _export(tmp_path, head)
    with pytest.raises(CommandError, match="Published head REFUSED"):
        _verify(export, forged)
    # …and, without the key, its hash does not match the copy.
    with pytest.raises(CommandError, match="does not match the published head"):
        _verify(export, forged, without_key=True)
    # A head whose totals disagree with its lanes is refused even without the key.
    document["last_hash"] = "0" * 63 + "2"
    forged.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CommandError, match="its totals do not match its lanes"):
        _verify(export, forged, without_key=True)
