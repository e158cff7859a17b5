"""The organization's page as a reviewing officer sees it: its audit
history in words, and the document shown beside the record."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core.params import id_param
from marketplace.organizations.models import Organization, OrganizationDocument
from marketplace.organizations.selectors import review as selectors
from marketplace.organizations.services.base import RETURN_SECTIONS

State = Organization.State


ACTION_LABELS = {
    # Nouns for the history's "What" column (the states have their own labels).
    "organization.create": gettext_lazy("Creation"),
    "organization.edit": gettext_lazy("Record edit"),
    "organization.qualification": gettext_lazy("Staff qualification set"),
    "organization.upgrade": gettext_lazy("Upgrade to registered"),
    "organization.submit": gettext_lazy("Submission for review"),
    "organization.return_for_changes": gettext_lazy("Return for changes"),
    "organization.approve": gettext_lazy("Approval"),
    "organization.suspend": gettext_lazy("Suspension"),
    "organization.reinstate": gettext_lazy("Reinstatement"),
    "organization.blacklist": gettext_lazy("Blacklisting"),
    "organization.lift_blacklist": gettext_lazy("End of blacklisting"),
    "organization.confirm_registration": gettext_lazy("Registration confirmed"),
    "organization.document_upload": gettext_lazy("Document upload"),
    "organization.document_expired": gettext_lazy("Document expiry"),
    "organization.invite": gettext_lazy("Invitation sent"),
    "organization.invitation_accept": gettext_lazy("Invitation accepted"),
    "organization.invitation_revoke": gettext_lazy("Invitation revoked"),
    "organization.member_remove": gettext_lazy("Member removed"),
    "organization.member_role": gettext_lazy("Member's role changed"),
}


def _state_label(value):
    return State(value).label if value in State.values else value


def _field_label(name):
    if name == "staff":
        return _("staff")
    try:
        return str(Organization._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _section_prefixes():
    """Each return section's label, in every language, with its key: a
    recorded reason starts its lines with the label in the officer's language
    ("材料: …"), and the reader may read another."""
    prefixes = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for key, label in RETURN_SECTIONS.items():
                prefixes[f"{label}: "] = key
    return prefixes


def return_reason_text(reason):
    """A recorded return-for-changes reason with each line's section label in
    the reader's language (the reasons themselves are the officer's words)."""
    prefixes = _section_prefixes()
    lines = []
    for line in (reason or "").splitlines():
        for prefix, key in prefixes.items():
            if line.startswith(prefix):
                line = f"{RETURN_SECTIONS[key]}: {line[len(prefix) :]}"
                break
        lines.append(line)
    return "\n".join(lines)


def history_rows(organization):
    rows = []
    for event in selectors.organization_history(organization):
        details = event.details if isinstance(event.details, dict) else {}
        fields = details.get("fields")
        kind = details.get("kind")
        rows.append(
            {
                "event": event,
                "reason": return_reason_text(event.reason)
                if event.action == "organization.return_for_changes"
                else event.reason,
                "action": ACTION_LABELS.get(event.action, event.action),
                "code": event.action,
                "actor": event.actor.display_name if event.actor else (event.actor_label or _("The platform")),
                "actor_username": event.actor_label,
                "from_state": _state_label(event.from_state),
                "to_state": _state_label(event.to_state),
                "fields": [_field_label(name) for name in fields] if isinstance(fields, list) else [],
                "document_kind": OrganizationDocument.Kind(kind).label
                if kind in OrganizationDocument.Kind.values
                else "",
            }
        )
    return rows


def viewer(organization, documents, raw_doc):
    """The document shown next to the list: ``?doc=<id>``, else the first
    current document."""
    selected = None
    doc_id = id_param(raw_doc)
    if doc_id is not None:
        selected = next((doc for doc in documents if doc.pk == doc_id), None)
    not_found = bool(raw_doc) and selected is None
    if selected is None and not raw_doc:
        selected = next((doc for doc in documents if doc.replaced_by_id is None), None)
    if selected is None:
        return {"document": None, "not_found": not_found}
    return {
        "document": selected,
        "url": reverse("orgreview:document", args=[organization.pk, selected.pk]),
        "is_image": selected.content_type
        in (OrganizationDocument.ContentType.JPEG, OrganizationDocument.ContentType.PNG),
        "not_found": False,
    }
