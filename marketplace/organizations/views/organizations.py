"""The organization workspace (/org/): members build their organization's
record in a three-step wizard, upload its documents, submit it for review,
keep its staff's qualifications and, once registered with the civil-affairs
bureau, upgrade it from the filed to the registered track.

Views check who may look and show forms; every change goes through
``marketplace.organizations.services.organizations`` and ``marketplace.organizations.services.documents``.
Only members of an organization open its pages (everyone else gets 403,
officers too: they use the review pages); a document's file is served to
whoever ``documents.can_view`` allows.
"""

import datetime
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin

from marketplace.core import extensions
from marketplace.core.errors import DomainError
from marketplace.core.params import id_param
from marketplace.organizations import permissions
from marketplace.organizations.forms.organizations import (
    STEP_FORMS,
    DocumentUploadForm,
    QualificationForm,
    Step1Form,
    SubmitForm,
    UpgradeForm,
)
from marketplace.organizations.models import Organization, OrganizationDocument
from marketplace.organizations.selectors import members as selectors
from marketplace.organizations.selectors import review as review_selectors
from marketplace.organizations.services import documents as document_services
from marketplace.organizations.services import entry_standards
from marketplace.organizations.services import organizations as services

# Which page fixes each section an officer can return (RETURN_SECTIONS).
SECTION_STEPS = {"basics": 1, "people": 2, "staff": 2, "registration": 3}


# --- access and helpers ---------------------------------------------------------------


def member_required(view):
    """Signed in and a member of the organization ``pk``; the view gets the
    organization and the membership.  Everybody else gets 404, the same
    answer as for an id that does not exist: which ids exist is not told."""

    @login_required
    @wraps(view)
    def wrapped(request, pk, *args, **kwargs):
        organization = selectors.organization(pk)
        found = permissions.membership(request.user, organization) if organization is not None else None
        if found is None:
            raise Http404
        return view(request, organization, found, *args, **kwargs)

    return wrapped


def _posted(request):
    return request.method == "POST"


def _workspace(organization):
    return redirect("orgs:workspace", organization.pk)


def _return_reasons(organization, *, step=None):
    """The officer's reasons, with the page that fixes each."""
    if organization.state != Organization.State.RETURNED:
        return []
    rows = []
    for key, text in (organization.return_reasons or {}).items():
        if key not in services.RETURN_SECTIONS:
            continue
        target = SECTION_STEPS.get(key)
        if step is not None and target != step:
            continue
        if target is not None:
            url = reverse("orgs:step", args=[organization.pk, target])
        else:
            url = reverse("orgs:documents", args=[organization.pk])
        rows.append({"key": key, "section": services.RETURN_SECTIONS[key], "text": text, "url": url})
    return rows


def _missing_with_links(organization):
    """``missing_items`` with a link to the page that fixes each item; after
    a return, the officer's reasons first, until a member has changed
    something (else “Nothing is missing” and the submit box would greet an
    organization that has fixed nothing yet)."""
    rows = []
    if not review_selectors.changed_since_return(organization):
        for reason in _return_reasons(organization):
            text = _("Returned: %(section)s: %(reason)s") % {"section": reason["section"], "reason": reason["text"]}
            rows.append({"text": text, "url": reason["url"]})
    for item in services.missing_items(organization):
        if item.step:
            url = reverse("orgs:step", args=[organization.pk, item.step])
        else:
            url = reverse("orgs:documents", args=[organization.pk])
        rows.append({"text": item, "url": url})
    return rows


def _document_row(document, today):
    expires_on = document.expires_on
    horizon = today + datetime.timedelta(days=settings.DOCUMENT_EXPIRY_WARNING_DAYS)
    expired = expires_on is not None and expires_on < today
    expiring = not expired and expires_on is not None and expires_on <= horizon
    return {"document": document, "expired": expired, "expiring": expiring}


def _wizard_context(organization, step, form):
    reachable = 1 if organization is None else min(3, organization.wizard_step + 1)
    steps = []
    for item in services.STEPS:
        url = None
        if organization is not None and item.number <= max(reachable, step) and item.number != step:
            url = reverse("orgs:step", args=[organization.pk, item.number])
        steps.append({"number": item.number, "title": item.title, "current": item.number == step, "url": url})
    return {
        "organization": organization,
        "form": form,
        "step": step,
        "step_title": services.STEPS[step - 1].title,
        "steps": steps,
        "total_steps": len(services.STEPS),
        "reasons": _return_reasons(organization, step=step) if organization is not None else [],
        "previous_url": (
            reverse("orgs:step", args=[organization.pk, step - 1]) if organization is not None and step > 1 else None
        ),
    }


# --- my organizations and the wizard ----------------------------------------------------


@login_required
def my_organizations(request):
    memberships = list(selectors.memberships_of_user(request.user))
    for membership in memberships:
        # what apps built on marketplace say awaits the user there (a contract to sign)
        membership.todos = extensions.todos("organization_card", request.user, membership.organization)
    return render(
        request,
        "marketplace/organizations/mine.html",
        {"memberships": memberships, "verified": request.user.verified_at is not None},
    )


@login_required
def start(request):
    """Step 1 for a new organization; the draft is saved and step 2 opens."""
    if not permissions.can_start(request.user):
        return render(request, "marketplace/organizations/not_verified.html", status=403)
    form = Step1Form(request.POST if _posted(request) else None)
    if _posted(request) and form.is_valid():
        try:
            organization = services.start_organization(by=request.user, data=form.service_data())
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Draft saved. Next: people and office."))
            return redirect("orgs:step", organization.pk, 2)
    return render(request, "marketplace/organizations/step.html", _wizard_context(None, 1, form))


@member_required
def step(request, organization, membership, step):
    if step not in STEP_FORMS:
        raise Http404
    if "edit" not in permissions.available_actions(request.user, organization):
        messages.info(request, _("The organization is under review or decided; it cannot be edited now."))
        return _workspace(organization)
    form_class = STEP_FORMS[step]
    kwargs = {"registered": organization.is_registered} if step == 3 else {}
    if _posted(request):
        form = form_class(request.POST, **kwargs)
    else:
        initial = form_class.initial_for(organization)
        if step == 2 and not initial.get("contact_phone") and request.user.phone and request.user.verified_at:
            initial["contact_phone"] = request.user.phone  # the mobile the user verified at sign-up
        form = form_class(initial=initial, **kwargs)
    if _posted(request) and form.is_valid():
        try:
            services.save_step(organization, step, by=request.user, data=form.service_data())
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            if request.POST.get("then") == "back" and step > 1:  # “Save and go back”: nothing typed is lost
                messages.success(request, _("Saved."))
                return redirect("orgs:step", organization.pk, step - 1)
            if step < len(services.STEPS):
                messages.success(request, _("Saved. Next: %(step)s.") % {"step": services.STEPS[step].title})
                return redirect("orgs:step", organization.pk, step + 1)
            messages.success(request, _("All three steps are saved. Upload the documents, then submit for review."))
            return _workspace(organization)
    return render(request, "marketplace/organizations/step.html", _wizard_context(organization, step, form))


# --- the workspace and submission ---------------------------------------------------------


@member_required
def workspace(request, organization, membership):
    today = timezone.localdate()
    actions = permissions.available_actions(request.user, organization)
    is_admin = "manage_members" in actions
    current = document_services.current_documents(organization)
    return render(
        request,
        "marketplace/organizations/workspace.html",
        {
            "organization": organization,
            "membership": membership,
            "is_admin": is_admin,
            "reasons": _return_reasons(organization),
            "missing": _missing_with_links(organization) if "edit" in actions else [],
            "actions": actions,
            "submit_form": SubmitForm(),
            "steps": services.STEPS,
            "documents": [_document_row(document, today) for document in current],
            "staff": list(organization.staff.all()),
            "member_count": organization.memberships.count(),
            "eligibility": entry_standards.check_all(organization, entry_standards.standards_concerning(organization)),
            "service_areas": list(organization.service_areas.all()),
            "can_upgrade": "upgrade" in actions,
            "under_review": organization.state == Organization.State.SUBMITTED,
            "extension_panels": extensions.panels("organization_workspace", request.user, organization),
        },
    )


@member_required
def submit(request, organization, membership):
    """Confirm, then submit for review (a page of its own, or the checkbox on
    the workspace).  A refusal is shown as a message; nothing changes."""
    if "submit" not in permissions.available_actions(request.user, organization):
        messages.info(request, _("The organization has already been submitted."))
        return _workspace(organization)
    form = SubmitForm(request.POST if _posted(request) else None)
    if _posted(request) and form.is_valid():
        try:
            services.submit(organization, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Submitted for review. You will get a message when a procurement officer has decided."),
            )
        return _workspace(organization)
    return render(
        request,
        "marketplace/organizations/submit_confirm.html",
        {"organization": organization, "form": form, "missing": _missing_with_links(organization)},
    )


@member_required
def upgrade(request, organization, membership):
    """File first, register later: the organization's administrators add the
    registration; the record, documents, members and history stay."""
    if not permissions.can_administer(request.user, organization):
        raise PermissionDenied
    if organization.track != Organization.Track.FILED:
        messages.info(request, _("This organization is already registered."))
        return _workspace(organization)
    if organization.state == Organization.State.BLACKLISTED:
        messages.error(request, _("A blacklisted organization cannot change its record."))
        return _workspace(organization)
    if _posted(request):
        form = UpgradeForm(request.POST)
    else:
        form = UpgradeForm(initial={"founded_on": organization.founded_on})
    if _posted(request) and form.is_valid():
        try:
            services.upgrade_to_registered(organization, by=request.user, data=form.service_data())
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The registration was added: the organization is now registered."))
            return _workspace(organization)
    return render(request, "marketplace/organizations/upgrade.html", {"organization": organization, "form": form})


@member_required
def staff_qualification(request, organization, membership, staff_pk):
    person = selectors.staff_member_in(organization, staff_pk)
    if person is None:
        raise Http404
    if _posted(request):
        form = QualificationForm(request.POST)
    else:
        form = QualificationForm(initial={"qualification": person.qualification})
    if _posted(request) and form.is_valid():
        try:
            services.set_qualification(person, by=request.user, qualification=form.cleaned_data["qualification"])
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Qualification saved for %(name)s.") % {"name": person.name})
            if request.POST.get("then") == "upload":  # the upload button saves what was typed first
                return redirect(reverse("orgs:documents", args=[organization.pk]) + f"?staff={person.pk}#upload")
            return redirect(reverse("orgs:workspace", args=[organization.pk]) + "#staff")
    today = timezone.localdate()
    documents = selectors.current_documents_of(organization, person)
    return render(
        request,
        "marketplace/organizations/staff_qualification.html",
        {
            "organization": organization,
            "person": person,
            "form": form,
            "documents": [_document_row(document, today) for document in documents],
        },
    )


# --- documents ---------------------------------------------------------------------------------


@member_required
def documents(request, organization, membership):
    initial = {}
    kind = request.GET.get("kind", "")
    if kind in OrganizationDocument.Kind.values:
        initial["kind"] = kind
    person = id_param(request.GET.get("staff"))
    if person is not None:
        initial.update(kind=OrganizationDocument.Kind.QUALIFICATION, staff_member=person)
    if _posted(request):
        form = DocumentUploadForm(request.POST, request.FILES, organization=organization)
    else:
        form = DocumentUploadForm(organization=organization, initial=initial)
    if _posted(request) and form.is_valid():
        try:
            document = document_services.upload_document(organization, by=request.user, **form.service_data())
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Uploaded: %(document)s.") % {"document": document})
            return redirect("orgs:documents", organization.pk)
    today = timezone.localdate()
    current = document_services.current_documents(organization)
    rows = [_document_row(document, today) for document in current]
    history = selectors.earlier_documents(organization)
    return render(
        request,
        "marketplace/organizations/documents.html",
        {
            "organization": organization,
            "form": form,
            "documents": rows,
            "history": list(history),
            "uploads_open": not organization.frozen,
            "reasons": [row for row in _return_reasons(organization) if row["key"] == "documents"],
            # Computed from the documents now held: “needed: articles” must go once they are uploaded.
            "required_kinds": [
                OrganizationDocument.Kind(kind).label
                for kind in services.REQUIRED_DOCUMENTS[organization.track]
                if not any(row["document"].kind == kind and row["document"].is_valid_on(today) for row in rows)
            ],
        },
    )


@never_cache
@login_required
@xframe_options_sameorigin
def document_file(request, pk, doc_pk):
    """The file itself, after the permission check (members; officers for
    review).  Same-origin framing, so the review page can show it beside the
    record."""
    document = selectors.document_in(pk, doc_pk)
    if document is None or not permissions.can_view_document(request.user, document):
        raise Http404  # as for a missing id: nothing about who has which document
    return document_services.file_response(document)
