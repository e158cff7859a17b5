"""Organization documents (证照材料): upload, who may see them, how they are
served, and the daily expiry check.

An uploaded file is trusted for nothing but its bytes: its type is sniffed
from the content (PDF, JPEG or PNG; the file name and the browser's content
type are ignored), a PDF must be a plain PDF without active content
(``marketplace.core.pdf_check``), its size is counted while it is read, and it is stored
under ``PRIVATE_MEDIA_ROOT`` (outside the web root) with a name that says
nothing about it.  Files are handed out only by ``file_response``, after the
view has asked ``can_view``.

For the registration certificate, the charter and the annual inspection
result an organization has one current document per kind (and one per staff
member for qualifications): a new upload replaces the previous one, which is
kept, marked ``replaced_by``, as history.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from marketplace.core import notifications, uploads
from marketplace.core.audit import record_event
from marketplace.core.headers import protect_document
from marketplace.core.models.users import User
from marketplace.core.uploads import UploadRefusedError, read_upload  # noqa: F401  (callers use them from here)
from marketplace.organizations import messages, permissions
from marketplace.organizations.models import EntryStandard, Organization, OrganizationDocument, StaffMember
from marketplace.organizations.services.base import OrganizationError, require

logger = logging.getLogger(__name__)

# Kinds an organization holds one current document of; a new upload replaces it.
SINGLE_CURRENT_KINDS = (
    OrganizationDocument.Kind.CERTIFICATE,
    OrganizationDocument.Kind.CHARTER,
    OrganizationDocument.Kind.ANNUAL_INSPECTION,
)

EXTENSIONS = {
    OrganizationDocument.ContentType.PDF: (".pdf",),
    OrganizationDocument.ContentType.JPEG: (".jpg", ".jpeg"),
    OrganizationDocument.ContentType.PNG: (".png",),
}

ORIGINAL_NAME_LENGTH = OrganizationDocument._meta.get_field("original_name").max_length
TITLE_LENGTH = OrganizationDocument._meta.get_field("title").max_length


def sniff(head):
    """The ``OrganizationDocument.ContentType`` the first bytes announce, or None."""
    kind = uploads.sniff(head)
    return OrganizationDocument.ContentType(kind) if kind is not None else None


def _read(file):
    """Size, SHA-256 and sniffed type of an organization document (at most
    ``ORGANIZATION_DOCUMENT_MAX_BYTES``); a refused file is this domain's
    ``OrganizationError`` (field ``file``, the upload's code)."""
    try:
        return read_upload(file, limit=settings.ORGANIZATION_DOCUMENT_MAX_BYTES)
    except UploadRefusedError as refused:
        raise OrganizationError(refused.message, refused.field, code=refused.code) from None


def clean_original_name(name):
    """The file's base name, safe to show, at most 200 characters."""
    return uploads.clean_original_name(name, max_length=ORIGINAL_NAME_LENGTH)


def _require_member(user, organization):
    require(permissions.can_upload_document(user, organization))


def _require_uploads_open(organization):
    if organization.state == Organization.State.BLACKLISTED:
        raise OrganizationError(_("A blacklisted organization cannot upload documents."), code="blacklisted")
    if organization.state == Organization.State.SUBMITTED:
        # The officer decides on the documents as submitted.
        raise OrganizationError(
            _("The organization is under review: documents cannot change until the officer's decision."),
            code="under_review",
        )


def upload_document(organization, *, by, kind, file, title="", expires_on=None, staff_member=None):
    """Store an uploaded document for ``organization`` and return it.

    Every refusal raises ``OrganizationError`` (with the form field it
    concerns) and leaves nothing behind: no row, no stored file.  The file is
    read (size, hash, type) before the organization row is locked; it is
    written to storage inside the transaction and deleted again if the
    transaction fails.  (Called inside a caller's own transaction that later
    rolls back, the file would stay unreferenced: views call this on its own,
    as ``ATOMIC_REQUESTS`` is off.)"""
    _require_member(by, organization)
    _require_uploads_open(organization)
    if kind not in OrganizationDocument.Kind.values:
        raise OrganizationError(_("Choose which document this is."), "kind")
    if expires_on is not None and expires_on < timezone.localdate():
        raise OrganizationError(
            _("This document expired on %(date)s; upload a valid one.") % {"date": expires_on.isoformat()},
            "expires_on",
        )
    staff_member_id = getattr(staff_member, "pk", staff_member)
    if kind == OrganizationDocument.Kind.QUALIFICATION:
        if staff_member_id is None:
            raise OrganizationError(_("Choose whose qualification this is."), "staff_member")
    else:
        staff_member_id = None  # only a qualification belongs to a person
    size, sha256, content_type = _read(file)
    title = " ".join(str(title or "").split())[:TITLE_LENGTH]
    original_name = clean_original_name(getattr(file, "name", ""))

    stored = []
    try:
        with transaction.atomic():
            organization = Organization.objects.select_for_update(of=("self",)).get(pk=organization.pk)
            _require_member(by, organization)
            _require_uploads_open(organization)
            if (
                staff_member_id is not None
                and not StaffMember.objects.filter(pk=staff_member_id, organization=organization).exists()
            ):
                raise OrganizationError(_("Choose a person from this organization's roster."), "staff_member")
            document = OrganizationDocument(
                organization=organization,
                kind=kind,
                title=title,
                staff_member_id=staff_member_id,
                original_name=original_name,
                content_type=content_type,
                size=size,
                sha256=sha256,
                expires_on=expires_on,
                uploaded_by=by,
            )
            document.file.save(original_name, file, save=False)
            stored.append(document.file.name)
            document.save()
            previous = OrganizationDocument.objects.filter(
                organization=organization, kind=kind, replaced_by__isnull=True
            ).exclude(pk=document.pk)
            if kind == OrganizationDocument.Kind.QUALIFICATION:
                previous = previous.filter(staff_member_id=staff_member_id)
            elif kind not in SINGLE_CURRENT_KINDS:
                previous = previous.none()
            replaced = sorted(previous.values_list("pk", flat=True))
            if replaced:
                OrganizationDocument.objects.filter(pk__in=replaced).update(replaced_by=document)
            # Ids and the hash only: titles and names may be personal data.
            record_event(
                "organization.document_upload",
                actor=by,
                obj=organization,
                to_state=organization.state,
                details={
                    "document": document.pk,
                    "kind": kind,
                    "sha256": sha256,
                    "size": size,
                    "replaced": replaced,
                },
            )
    except BaseException:
        # Nothing was saved: remove the stored file too.
        for name in stored:
            _delete_file(name)
        raise
    return document


def _delete_file(name):
    storage = OrganizationDocument._meta.get_field("file").storage
    try:
        storage.delete(name)
    except OSError:  # pragma: no cover - logged; the file is unreachable without its row
        logger.exception("Could not delete the stored document file %s", name)


# --- who may see a document, and how it is served ---------------------------------


def can_view(user, document):
    """Members of the document's organization and procurement officers (who
    review it, once it has been submitted); superusers
    (``permissions.can_view_document``)."""
    return bool(permissions.can_view_document(user, document))


def download_name(document):
    """The original name, with the extension of the sniffed type (a file
    named ``x.html`` that is really a PDF is served as ``x.html.pdf``)."""
    name = document.original_name or "document"
    extensions = EXTENSIONS.get(document.content_type, ())
    if extensions and not name.lower().endswith(extensions):
        name = name[: ORIGINAL_NAME_LENGTH - len(extensions[0])] + extensions[0]
    return name


def file_response(document):
    """The stored file with its sniffed type, as an attachment (an uploaded
    file is never shown inside the platform's pages), inside an empty
    sandbox, never sniffed again by the browser and never cached by a shared
    cache.  No permission check here: the view asks ``can_view`` first."""
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=True,
        filename=download_name(document),
    )
    protect_document(response, attachment=True)
    response["Cache-Control"] = "private, no-store"
    return response


def current_documents(organization):
    """The documents in force (not replaced), by kind, newest first."""
    return list(
        OrganizationDocument.objects.filter(organization=organization, replaced_by__isnull=True)
        .select_related("staff_member")
        .order_by("kind", "-uploaded_at", "-pk")
    )


# --- the daily expiry check -----------------------------------------------------------


def _members(organization):
    return list(User.objects.filter(memberships__organization=organization, is_active=True))


def _documents_url(organization):
    return reverse("orgs:documents", args=[organization.pk])


def _label(document):
    label = document.get_kind_display()
    if document.staff_member_id and document.staff_member:
        label = f"{label}（{document.staff_member.name}）"
    if document.title:
        label = f"{label}：{document.title}"
    return label


# The label in the reader's language: made when the message is rendered for them.
_lazy_label = lazy(_label, str)


def _standards_needing(document):
    """Names of the entry standards the document counts for."""
    names = []
    for standard in EntryStandard.objects.order_by("-is_standard", "name"):
        required = standard.required_documents if isinstance(standard.required_documents, list) else []
        needs_kind = document.kind in required
        needs_person = (
            document.kind == OrganizationDocument.Kind.QUALIFICATION
            and standard.min_qualified_staff > 0
            and document.staff_member_id is not None
        )
        if needs_kind or needs_person:
            names.append(standard.name)
    return names


def check_document_expiry(*, today=None):
    """Daily: warn the members of documents expiring within
    ``DOCUMENT_EXPIRY_WARNING_DAYS`` days, and mark expired ones.  Running it
    twice warns and marks once.  One transaction per document."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.DOCUMENT_EXPIRY_WARNING_DAYS)
    current = OrganizationDocument.objects.filter(replaced_by__isnull=True, expires_on__isnull=False)
    warned, expired = [], []

    due_warning = current.filter(expires_on__gte=today, expires_on__lte=horizon, expiry_warned_at__isnull=True)
    for pk in due_warning.order_by("expires_on", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            document = (
                OrganizationDocument.objects.select_for_update(of=("self",))
                .select_related("organization", "staff_member")
                .get(pk=pk)
            )
            if (
                document.replaced_by_id is not None
                or document.expiry_warned_at is not None
                or not (today <= document.expires_on <= horizon)
            ):
                continue
            document.expiry_warned_at = timezone.now()
            document.save(update_fields=["expiry_warned_at"])
            organization = document.organization
            days = (document.expires_on - today).days
            notifications.send(
                messages.DOCUMENT_EXPIRING,
                _members(organization),
                {
                    "document": _lazy_label(document),
                    "name": organization.name,
                    "date": document.expires_on.isoformat(),
                    "days": days,
                },
                link=_documents_url(organization),
            )
            warned.append(document.pk)

    due_expiry = current.filter(expires_on__lt=today, expired_at__isnull=True)
    for pk in due_expiry.order_by("expires_on", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            document = (
                OrganizationDocument.objects.select_for_update(of=("self",))
                .select_related("organization", "staff_member")
                .get(pk=pk)
            )
            if document.replaced_by_id is not None or document.expired_at is not None or document.expires_on >= today:
                continue
            document.expired_at = timezone.now()
            document.save(update_fields=["expired_at"])
            organization = document.organization
            record_event(
                "organization.document_expired",
                obj=organization,
                to_state=organization.state,
                details={"document": document.pk, "kind": document.kind, "expires_on": document.expires_on},
            )
            notifications.send(
                messages.DOCUMENT_EXPIRED,
                _members(organization),
                {
                    "document": _lazy_label(document),
                    "name": organization.name,
                    "date": document.expires_on.isoformat(),
                    "standards": "、".join(_standards_needing(document)),
                },
                link=_documents_url(organization),
            )
            expired.append(document.pk)
    return {"warned": warned, "expired": expired}
