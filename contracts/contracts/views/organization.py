"""An organization's contracts (/org/<pk>/contracts/, namespace
``orgcontracts``): its list and each contract's page, where an
administrator signs, asks for changes and confirms amendments.  Anybody
who is not a member of the organization gets 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from contracts.contracts import selectors
from contracts.contracts.views import officer
from contracts.contracts.views.common import ORGANIZATION, document_download, render_detail, valid_number
from marketplace.core.reauth import reauth_required
from marketplace.organizations.models import Organization
from marketplace.organizations.permissions import can_administer, is_member


def member_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, pk, *args, **kwargs):
        organization = Organization.objects.filter(pk=pk).first()
        if organization is None or not is_member(request.user, organization):
            raise Http404
        return view(request, organization, *args, **kwargs)

    return wrapped


def load(organization, number):
    contract = selectors.organization_contracts(organization).filter(number=valid_number(number)).first()
    if contract is None:
        raise Http404
    return contract


@never_cache
@member_required
def index(request, organization):
    return render(
        request,
        "contracts/contracts/org_index.html",
        {
            "organization": organization,
            "contracts": list(selectors.organization_contracts(organization)[:200]),
            "is_admin": bool(can_administer(request.user, organization)),
        },
    )


@never_cache
@member_required
def detail(request, organization, number):
    return render_detail(request, load(organization, number), ORGANIZATION)


@never_cache
@member_required
@require_POST
@reauth_required(reentry_field="sign-password")
def sign(request, organization, number):
    return officer._sign(request, load(organization, number), ORGANIZATION)


@never_cache
@member_required
@require_POST
def request_changes(request, organization, number):
    return officer._request_changes(request, load(organization, number), ORGANIZATION)


@never_cache
@member_required
@require_POST
@reauth_required(reentry_field="sign-password")
def amendment_confirm(request, organization, number, amendment):
    return officer._confirm(request, load(organization, number), ORGANIZATION, amendment)


@never_cache
@member_required
def document(request, organization, number, doc_pk):
    return document_download(load(organization, number), doc_pk)
