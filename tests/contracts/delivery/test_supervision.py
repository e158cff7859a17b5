"""Community supervision (过程监管): workers of a community the active
contract serves record visits (with photos) and their residents'
committee's opinion per milestone; the organization sees them and answers
once.  A worker elsewhere, an organization member and an officer are
refused, each from their own side; bad input changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from contracts.contracts.models import Contract
from contracts.milestones.models import CommitteeOpinion, SupervisionPhoto, SupervisionRecord
from contracts.milestones.services import supervision
from contracts.milestones.services.reports import DeliveryError
from marketplace.models import Notice
from tests.contracts.delivery.conftest import fake_pdf, jpeg_bytes, pdf_upload, png_upload

pytestmark = pytest.mark.django_db


def zh(message):
    with translation.override("zh-hans"):
        return translation.gettext(message)


def page(response):
    return response.content.decode().replace("&#x27;", "'")


def visit(contract, by, **overrides):
    data = {
        "visited_on": timezone.localdate(),
        "observed": "活动室内二十位老人参加培训，秩序良好。",
        "attendance": 20,
        "issues": "",
    }
    data.update(overrides)
    return supervision.add_record(contract, by=by, **data)


def form_data(**overrides):
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "observed": "活动室内二十位老人参加培训，秩序良好。",
        "attendance": "20",
        "issues": "签到表缺少两位老人签名。",
        "milestone": "",
        "complete": "1",
    }
    data.update(overrides)
    return data


# --- the services ----------------------------------------------------------------------------------------


def test_a_worker_of_a_served_community_records_a_visit_with_photos(contract, milestone, worker, member):
    record = visit(contract, worker, milestone=milestone, photos=[png_upload()], issues="签到不全")
    assert record.community == worker.community and record.milestone == milestone
    photo = record.photos.get()
    assert photo.content_type == "image/png"
    assert Notice.objects.filter(user=member).exists()  # the organization is told


def test_a_worker_outside_the_contracts_communities_is_refused(contract, other_worker):
    with pytest.raises(DeliveryError) as refused:
        visit(contract, other_worker)
    assert refused.value.code == "permission"
    assert not SupervisionRecord.objects.exists()


@pytest.mark.parametrize("who", ["member", "officer", "outsider"])
def test_others_may_not_write_records(contract, who, request):
    with pytest.raises(DeliveryError):
        visit(contract, request.getfixturevalue(who))
    assert not SupervisionRecord.objects.exists()


def test_only_active_contracts_are_supervised(contract, worker):
    Contract.objects.filter(pk=contract.pk).update(state=Contract.State.COMPLETED)
    contract.refresh_from_db()
    with pytest.raises(DeliveryError):
        visit(contract, worker)


def test_a_visit_in_the_future_is_refused(contract, worker):
    with pytest.raises(DeliveryError) as refused:
        visit(contract, worker, visited_on=timezone.localdate() + datetime.timedelta(days=1))
    assert refused.value.field == "visited_on"


def test_photos_are_sniffed_jpeg_and_png_only(contract, worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    for bad in (fake_pdf("照片.png"), pdf_upload("照片.jpg")):
        with pytest.raises(DeliveryError) as refused:
            visit(contract, worker, photos=[bad])
        assert refused.value.field == "photos"
    assert not SupervisionRecord.objects.exists() and not SupervisionPhoto.objects.exists()
    record = visit(contract, worker, photos=[SimpleUploadedFile("x.pdf", jpeg_bytes(), "application/pdf")])
    assert record.photos.get().content_type == "image/jpeg"  # by content, not by name


def test_one_committee_opinion_per_community_and_milestone(contract, milestone, worker):
    supervision.add_opinion(milestone, by=worker, opinion="居民反映服务及时，态度好。", satisfied=True)
    with pytest.raises(DeliveryError) as refused:
        supervision.add_opinion(milestone, by=worker, opinion="再来一次", satisfied=False)
    assert refused.value.code == "opinion_exists"
    assert CommitteeOpinion.objects.get().satisfied is True


def test_a_worker_elsewhere_gives_no_opinion(milestone, other_worker, member):
    for user in (other_worker, member):
        with pytest.raises(DeliveryError):
            supervision.add_opinion(milestone, by=user, opinion="意见", satisfied=True)
    assert not CommitteeOpinion.objects.exists()


def test_the_organization_answers_once(contract, worker, member, outsider):
    record = visit(contract, worker, issues="签到不全")
    with pytest.raises(DeliveryError):
        supervision.respond(record, by=outsider, response="不是我们的")
    with pytest.raises(DeliveryError):
        supervision.respond(record, by=worker, response="自问自答")
    supervision.respond(record, by=member, response="已补齐签到表。")
    with pytest.raises(DeliveryError) as refused:
        supervision.respond(record, by=member, response="再答一次")
    record.refresh_from_db()
    assert record.response == "已补齐签到表。" and refused.value.code == "permission"
    assert Notice.objects.filter(user=worker).exists()


# --- the pages ------------------------------------------------------------------------------------------


def test_the_worker_sees_the_contracts_serving_the_community(contract, worker, client):
    client.force_login(worker)
    response = client.get(reverse("supervision:index"))
    assert response.status_code == 200 and contract.number in page(response)
    response = client.get(reverse("supervision:contract", args=[contract.pk]))
    assert response.status_code == 200
    assert reverse("supervision:record_new", args=[contract.pk]) in page(response)


def test_a_worker_elsewhere_does_not_find_the_contract(contract, milestone, other_worker, client):
    client.force_login(other_worker)
    assert contract.number not in page(client.get(reverse("supervision:index")))
    for url in (
        reverse("supervision:contract", args=[contract.pk]),
        reverse("supervision:record_new", args=[contract.pk]),
        reverse("supervision:opinion", args=[contract.pk, milestone.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, form_data()).status_code == 404
    assert not SupervisionRecord.objects.exists()


@pytest.mark.parametrize("who", ["member", "officer"])
def test_non_workers_are_refused_the_worker_pages(contract, who, client, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("supervision:index")).status_code == 403
    assert client.post(reverse("supervision:record_new", args=[contract.pk]), form_data()).status_code == 403
    assert not SupervisionRecord.objects.exists()


def test_the_record_form_saves_with_photos(contract, milestone, worker, client):
    client.force_login(worker)
    response = client.post(
        reverse("supervision:record_new", args=[contract.pk]),
        form_data(milestone=str(milestone.pk), photos=[png_upload()]),
    )
    assert response.status_code == 302
    record = SupervisionRecord.objects.get()
    assert record.milestone == milestone and record.photos.count() == 1
    photo_url = reverse("supervision:photo", args=[record.photos.get().pk])
    response = client.get(photo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"visited_on": (datetime.date.today() + datetime.timedelta(days=2)).isoformat()}, "visited_on"),
        ({"visited_on": "昨天"}, "visited_on"),
        ({"observed": "   "}, "observed"),
        ({"attendance": "-1"}, "attendance"),
        ({"attendance": ""}, "attendance"),
        ({"milestone": "999999"}, "milestone"),
    ],
)
def test_bad_records_change_nothing_and_keep_the_text(contract, worker, client, overrides, field):
    client.force_login(worker)
    response = client.post(reverse("supervision:record_new", args=[contract.pk]), form_data(**overrides))
    assert response.status_code == 200
    assert f'id="field-{field}"' in page(response) and "field-invalid" in page(response)
    assert "签到表缺少两位老人签名。" in page(response)
    # one box lists what to correct (the walk found a flash banner stacked on it)
    assert page(response).count('class="form-errors"') == 1 and not list(response.context["messages"])
    assert not SupervisionRecord.objects.exists()


def test_a_fake_photo_is_refused_on_the_page(contract, worker, client):
    client.force_login(worker)
    response = client.post(
        reverse("supervision:record_new", args=[contract.pk]), form_data(photos=[fake_pdf("照片.png")])
    )
    assert response.status_code == 200 and "field-photos" in page(response)
    assert "签到表缺少两位老人签名。" in page(response)
    assert not SupervisionRecord.objects.exists()


def test_the_opinion_form(contract, milestone, worker, client):
    client.force_login(worker)
    url = reverse("supervision:opinion", args=[contract.pk, milestone.pk])
    response = client.post(url, {"opinion": "居民满意。"})
    assert response.status_code == 200 and "field-satisfied" in page(response)
    assert "居民满意。" in page(response)
    assert not CommitteeOpinion.objects.exists()
    assert client.post(url, {"opinion": "居民满意。", "satisfied": "yes"}).status_code == 302
    response = client.post(url, {"opinion": "第二次", "satisfied": "no"})
    assert response.status_code == 200 and "第二次" in page(response)
    assert CommitteeOpinion.objects.count() == 1


def test_the_organization_sees_and_answers_on_its_milestone_page(contract, milestone, worker, member_client):
    record = visit(contract, worker, milestone=milestone, issues="签到不全", photos=[png_upload()])
    url = reverse("delivery_org:milestone", args=[contract.organization_id, milestone.pk])
    response = member_client.get(url)
    assert "活动室内二十位老人参加培训" in page(response)
    respond_url = reverse("delivery_org:respond", args=[contract.organization_id, record.pk])
    assert respond_url in page(response)
    photo_url = reverse("delivery_org:photo", args=[contract.organization_id, record.photos.get().pk])
    response = member_client.get(photo_url)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    response = member_client.post(respond_url, {"response": "  "})
    assert response.status_code == 200 and "field-response" in page(response)
    assert member_client.post(respond_url, {"response": "已补齐签到表。"}).status_code == 302
    record.refresh_from_db()
    assert record.response == "已补齐签到表。"
    response = member_client.post(respond_url, {"response": "再答一次"})
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.response == "已补齐签到表。"


def test_outsiders_cannot_answer_or_see_photos(contract, worker, outsider, client):
    record = visit(contract, worker, photos=[png_upload()])
    client.force_login(outsider)
    assert (
        client.post(
            reverse("delivery_org:respond", args=[contract.organization_id, record.pk]), {"response": "冒答"}
        ).status_code
        == 404
    )
    assert client.get(reverse("delivery:photo", args=[record.photos.get().pk])).status_code == 404
    record.refresh_from_db()
    assert record.response == ""


def test_a_cut_off_upload_saves_no_record(contract, worker, client):
    client.force_login(worker)
    data = form_data()
    del data["complete"]
    response = client.post(reverse("supervision:record_new", args=[contract.pk]), data)
    assert response.status_code == 200 and "field-photos" in page(response)
    assert "签到表缺少两位老人签名。" in page(response)
    assert not SupervisionRecord.objects.exists()
