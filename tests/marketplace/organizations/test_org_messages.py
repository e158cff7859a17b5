"""The organizations domain's notifications (organizations/messages.py):
each person reads them in their own language, with the same wording as
before, names and labels included."""

import pytest
from django.utils import timezone, translation

from marketplace.core import languages
from marketplace.models import Membership, Notice
from marketplace.organizations.services import memberships
from marketplace.organizations.services import organizations as services


def zh(message, **values):
    with translation.override("zh-hans"):
        return translation.gettext(message) % values if values else translation.gettext(message)


@pytest.fixture
def two_admins(make_org, org_admin, make_user):
    """An organization (with "&" in its name) whose administrators read English and Chinese."""
    org = make_org("approved", admin=org_admin, name="阳光 & <助老> 服务队")
    chinese = make_user("organization_member", username="admin2", verified_at=timezone.now())
    Membership.objects.create(organization=org, user=chinese, role=Membership.Role.ADMIN)
    languages.remember(org_admin, "en")
    languages.remember(chinese, "zh-hans")
    return org, org_admin, chinese


@pytest.mark.django_db
def test_a_new_member_is_announced_to_each_admin_in_their_language(
    client, site, two_admins, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    org, english, chinese = two_admins
    newcomer = make_user(username="newcomer", verified_at=timezone.now())
    _invitation, token = memberships.invite(org, by=english, email=newcomer.email)
    client.force_login(newcomer)
    # One request, in Chinese (no language cookie).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/org/invitations/{token}/")
    assert response.status_code == 302 and response["Content-Language"] == "zh-hans"
    subject, body = (
        "%(name)s: a new member joined",
        "%(person)s accepted an invitation and joined %(name)s as %(role)s.",
    )
    values = {"person": newcomer.display_name, "name": org.name}
    expected = {
        english: (
            f"{org.name}: a new member joined",
            f"{newcomer.display_name} accepted an invitation and joined {org.name} as Member.",
        ),
        chinese: (zh(subject, **values), zh(body, **values, role=zh("Member"))),
    }
    assert expected[english] != expected[chinese]
    mails = {mail.to[0]: mail for mail in mailoutbox}
    for admin, (notice_subject, notice_body) in expected.items():
        notice = Notice.objects.get(user=admin)
        assert (notice.subject, notice.body, notice.link) == (notice_subject, notice_body, f"/org/{org.pk}/members/")
        assert mails[admin.email].subject == notice_subject
        assert mails[admin.email].body.startswith(notice_body + "\n\nhttp")
    assert not Notice.objects.filter(user=newcomer).exists()


@pytest.mark.django_db
def test_an_invitation_is_written_in_the_inviters_language(two_admins, mailoutbox, django_capture_on_commit_callbacks):
    org, english, _chinese = two_admins
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        memberships.invite(org, by=english, email="friend@example.cn", role="admin")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        memberships.invite(org, by=english, email="pengyou@example.cn")
    mails = {mail.to[0]: mail for mail in mailoutbox}
    assert mails["friend@example.cn"].subject == f"Invitation to join {org.name}"
    assert f"join {org.name} on the community social services platform as Organization administrator." in (
        mails["friend@example.cn"].body
    )
    assert mails["pengyou@example.cn"].subject == zh("Invitation to join %(name)s", name=org.name)
    assert zh("Member") in mails["pengyou@example.cn"].body


@pytest.mark.django_db
def test_return_reasons_name_the_sections_in_each_members_language(
    make_org, org_admin, make_user, officer_user, django_capture_on_commit_callbacks
):
    org = make_org("submitted", admin=org_admin)
    chinese = make_user("organization_member", username="member2", verified_at=timezone.now())
    Membership.objects.create(organization=org, user=chinese, role=Membership.Role.MEMBER)
    languages.remember(org_admin, "en")
    with translation.override("zh-hans"):
        services.return_for_changes(org, by=officer_user, reasons={"documents": "章程缺少盖章页", "staff": "请核实"})
    message = "The reviewing officer asks for these changes before approval:\n%(reasons)s"
    assert Notice.objects.get(user=org_admin).body == (
        "The reviewing officer asks for these changes before approval:\n"
        "Documents: 章程缺少盖章页\nMembers (at least five): 请核实"
    )
    reasons = f"{zh('Documents')}: 章程缺少盖章页\n{zh('Members (at least five)')}: 请核实"
    assert Notice.objects.get(user=chinese).body == zh(message, reasons=reasons)
    assert Notice.objects.get(user=chinese).subject == zh("%(name)s: returned for changes", name=org.name)
