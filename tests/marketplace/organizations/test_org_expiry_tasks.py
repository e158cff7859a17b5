"""The daily tasks of issue #4, with time travel: documents are warned about
30 days before they expire and marked expired after; blacklisting is lifted
on its end date."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from marketplace import tasks
from marketplace.models import AuditEvent, EntryStandard, Membership, Notice, Organization
from marketplace.organizations.services import documents, entry_standards
from tests.org_fixtures import add_document, pdf_bytes

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime.datetime(2026, 3, 1, 6, 0, tzinfo=SHANGHAI)
EXPIRES = datetime.date(2026, 4, 10)  # 40 days after START


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as machine:
        yield machine


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def org(make_org, org_admin, make_user, traveller):
    org = make_org("approved", admin=org_admin, documents=[])
    member = make_user("organization_member", username="orgmember")
    Membership.objects.create(organization=org, user=member, role=Membership.Role.MEMBER)
    return org


@pytest.fixture
def charter(org, org_admin):
    return add_document(org, "charter", by=org_admin, expires_on=EXPIRES)


def _run_task(capture):
    with capture(execute=True):
        return tasks.check_document_expiry.delay().get()


def _notices(org):
    return Notice.objects.filter(user__memberships__organization=org)


def test_warned_once_30_days_before_then_marked_expired(
    org, org_admin, charter, traveller, mailoutbox, django_capture_on_commit_callbacks, make_org, english
):
    bystander = make_org("approved")
    standard = EntryStandard.objects.create(name="章程有效", required_documents=["charter"])
    assert entry_standards.check(standard, org).eligible

    # 40 days ahead: too early for a warning.
    assert timezone.localdate() == datetime.date(2026, 3, 1)
    assert _run_task(django_capture_on_commit_callbacks) == {"warned": 0, "expired": 0}
    assert _notices(org).count() == 0 and mailoutbox == []

    # 11 days later (29 days to go): each member is warned, in the site and by e-mail.
    traveller.shift(datetime.timedelta(days=11))
    assert _run_task(django_capture_on_commit_callbacks) == {"warned": 1, "expired": 0}
    charter.refresh_from_db()
    assert charter.expiry_warned_at is not None and charter.expired_at is None
    notices = list(_notices(org))
    assert sorted(notice.user.username for notice in notices) == ["orgadmin", "orgmember"]
    notice = notices[0]
    assert notice.link == reverse("orgs:documents", args=[org.pk])
    assert "2026-04-10" in notice.subject
    assert "Charter" in notice.body and "in 29 days" in notice.body
    # One message per member: nobody sees the other's address.
    assert sorted(message.to[0] for message in mailoutbox) == ["orgadmin@example.test", "orgmember@example.test"]
    assert all(len(message.to) == 1 for message in mailoutbox)
    assert reverse("orgs:documents", args=[org.pk]) in mailoutbox[0].body
    assert not Notice.objects.filter(user__memberships__organization=bystander).exists()
    assert entry_standards.check(standard, org).eligible  # still valid

    # Running again (the same day or the next) warns nobody twice.
    assert _run_task(django_capture_on_commit_callbacks) == {"warned": 0, "expired": 0}
    traveller.shift(datetime.timedelta(days=1))
    assert _run_task(django_capture_on_commit_callbacks) == {"warned": 0, "expired": 0}
    assert _notices(org).count() == 2 and len(mailoutbox) == 2

    # On the expiry date itself the document is still valid.
    traveller.move_to(datetime.datetime(2026, 4, 10, 6, 0, tzinfo=SHANGHAI))
    assert _run_task(django_capture_on_commit_callbacks) == {"warned": 0, "expired": 0}
    assert entry_standards.check(standard, org).eligible

    # The day after: marked expired, audited, members told; the standard now fails.
    traveller.shift(datetime.timedelta(days=1))
    assert _run_task(django_capture_on_commit_callbacks) == {"warned": 0, "expired": 1}
    charter.refresh_from_db()
    assert charter.expired_at is not None
    event = AuditEvent.objects.get(action="organization.document_expired")
    assert event.actor is None
    assert event.object_id == str(org.pk)
    assert event.details == {"document": charter.pk, "kind": "charter", "expires_on": "2026-04-10"}
    expired_notices = _notices(org).filter(subject__contains="expired")
    assert expired_notices.count() == 2
    body = expired_notices.first().body
    assert "expired on 2026-04-10" in body and "章程有效" in body and "基本准入标准" in body
    assert len(mailoutbox) == 4  # two members, one message each

    eligibility = entry_standards.check(standard, org)
    assert not eligibility.eligible
    assert [failure.message for failure in eligibility.failures] == [
        "Required documents are missing or expired: Charter (expired on 2026-04-10). Upload a valid one for each."
    ]

    # Running again marks nothing twice.
    assert _run_task(django_capture_on_commit_callbacks) == {"warned": 0, "expired": 0}
    assert AuditEvent.objects.filter(action="organization.document_expired").count() == 1

    # A replacement restores eligibility; the replaced document is left alone.
    replacement = documents.upload_document(
        org,
        by=org_admin,
        kind="charter",
        file=SimpleUploadedFile("章程2026.pdf", pdf_bytes("new")),
        expires_on=datetime.date(2028, 4, 10),
    )
    charter.refresh_from_db()
    assert charter.replaced_by == replacement
    assert entry_standards.check(standard, org).eligible
    assert _run_task(django_capture_on_commit_callbacks) == {"warned": 0, "expired": 0}


def test_service_returns_ids_and_ignores_replaced_and_undated_documents(org, org_admin, traveller):
    today = timezone.localdate()
    soon = add_document(org, "certificate", expires_on=today + datetime.timedelta(days=30))
    gone = add_document(org, "annual_inspection", expires_on=today - datetime.timedelta(days=1))
    replaced = add_document(org, "charter", expires_on=today + datetime.timedelta(days=3))
    replaced.replaced_by = add_document(org, "charter")  # no expiry date
    replaced.save()
    later = add_document(org, "other", expires_on=today + datetime.timedelta(days=31))
    result = documents.check_document_expiry()
    assert result == {"warned": [soon.pk], "expired": [gone.pk]}
    assert documents.check_document_expiry() == {"warned": [], "expired": []}
    later.refresh_from_db()
    replaced.refresh_from_db()
    assert later.expiry_warned_at is None
    assert replaced.expiry_warned_at is None and replaced.expired_at is None
    # ``today`` can be given explicitly.
    assert documents.check_document_expiry(today=today + datetime.timedelta(days=1)) == {
        "warned": [later.pk],
        "expired": [],
    }


def test_expired_qualification_names_the_standards_needing_qualified_staff(org, org_admin, traveller, english):
    person = org.staff.first()
    person.qualification = "assistant_sw"
    person.save()
    add_document(org, "qualification", staff_member=person, expires_on=timezone.localdate() - datetime.timedelta(1))
    EntryStandard.objects.create(name="需要社工", qualification="assistant_sw", min_qualified_staff=1)
    assert len(documents.check_document_expiry()["expired"]) == 1
    notice = Notice.objects.filter(user=org_admin).get()
    assert "Staff qualification" in notice.body and person.name in notice.body
    assert "需要社工" in notice.body and "专业社工服务准入标准" in notice.body
    # No personal data in the audit log.
    event = AuditEvent.objects.get(action="organization.document_expired")
    assert person.name not in str(event.details)


def test_inactive_members_are_not_notified(org, org_admin, charter, traveller):
    org_admin.is_active = False
    org_admin.save()
    traveller.shift(datetime.timedelta(days=15))
    documents.check_document_expiry()
    assert list(Notice.objects.values_list("user__username", flat=True)) == ["orgmember"]


def test_task_is_scheduled_daily(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"marketplace.tasks.check_document_expiry", "marketplace.tasks.lift_ended_blacklists"} <= tasks_scheduled
    assert tasks.check_document_expiry.name == "marketplace.tasks.check_document_expiry"
    assert tasks.lift_ended_blacklists.name == "marketplace.tasks.lift_ended_blacklists"


# --- blacklisting ends ----------------------------------------------------------------------------


def test_blacklist_lifted_on_its_end_date(
    make_org, org_admin, traveller, mailoutbox, django_capture_on_commit_callbacks
):
    org = make_org("blacklisted", admin=org_admin)
    still = make_org("blacklisted")
    Organization.objects.filter(pk=org.pk).update(blacklisted_until=datetime.date(2026, 3, 2))
    Organization.objects.filter(pk=still.pk).update(blacklisted_until=datetime.date(2026, 3, 3))

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.lift_ended_blacklists.delay().get() == {"lifted": 0}
    org.refresh_from_db()
    assert org.state == Organization.State.BLACKLISTED
    assert not Notice.objects.filter(user=org_admin).exists()

    traveller.shift(datetime.timedelta(days=1))  # the end date
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.lift_ended_blacklists.delay().get() == {"lifted": 1}
    org.refresh_from_db()
    still.refresh_from_db()
    assert org.state == Organization.State.APPROVED
    assert org.blacklisted_until is None
    assert still.state == Organization.State.BLACKLISTED
    event = AuditEvent.objects.get(action="organization.lift_blacklist", object_id=str(org.pk))
    assert event.actor is None and event.actor_label == ""
    assert event.from_state == "blacklisted" and event.to_state == "approved"
    notice = Notice.objects.get(user=org_admin)
    assert "2026-03-02" in notice.body
    assert [message.to for message in mailoutbox] == [[org_admin.email]]

    # Again the same day: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.lift_ended_blacklists.delay().get() == {"lifted": 0}
    assert Notice.objects.filter(user=org_admin).count() == 1
    # A lifted organization meets the status rule again.
    standard = EntryStandard.objects.create(name="仅状态")
    assert entry_standards.check(standard, org).eligible
