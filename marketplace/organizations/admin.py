"""Entry standards (准入标准) in the Wagtail admin and the link to the review
pages.  Organizations themselves are not registered: officers decide on them
in the review pages and never edit their data."""

from django.db import transaction
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem as AdminMenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from marketplace.core.audit import record_event
from marketplace.organizations.forms.review import EntryStandardForm
from marketplace.organizations.models import EntryStandard, OrganizationDocument

# --- Social organizations: entry standards (准入标准) and the review link ----------------------
# Officers keep the entry standards here (list, create, edit; no delete: purchase projects will
# refer to them).  Organizations themselves are not registered: officers decide on them in the
# review pages (/work/organizations/) and never edit their data.


ENTRY_STANDARD_AUDITED_FIELDS = tuple(EntryStandardForm.Meta.fields)


def _audit_entry_standard(view, action):
    """Who set which rules, when: the whole rule set goes into the audit log."""
    standard = view.form.instance
    record_event(
        action,
        actor=view.request.user,
        obj=standard,
        details={
            "changed": sorted(view.form.changed_data),
            "rules": {name: getattr(standard, name) for name in ENTRY_STANDARD_AUDITED_FIELDS},
        },
    )


class EntryStandardCreateView(generic.CreateView):
    def save_instance(self):
        with transaction.atomic():
            standard = super().save_instance()
            _audit_entry_standard(self, "entrystandard.create")
        return standard


class EntryStandardEditView(generic.EditView):
    def save_instance(self):
        with transaction.atomic():
            standard = super().save_instance()
            _audit_entry_standard(self, "entrystandard.edit")
        return standard


def _required_documents_display(standard):
    labels = dict(OrganizationDocument.Kind.choices)
    return "、".join(str(labels.get(kind, kind)) for kind in standard.required_documents or ()) or "—"


class EntryStandardViewSet(ModelViewSet):
    model = EntryStandard
    icon = "tasks"
    menu_label = gettext_lazy("Entry standards")
    url_prefix = "entry-standards"
    name = "entry_standards"
    add_view_class = EntryStandardCreateView
    edit_view_class = EntryStandardEditView
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        "name",
        BooleanColumn("is_standard", label=gettext_lazy("Standard")),
        "required_track",
        "min_years_since_founding",
        "min_qualified_staff",
        Column(
            "required_documents",
            label=gettext_lazy("Documents that must be valid"),
            accessor=_required_documents_display,
        ),
        "min_performance_grade",
    ]
    list_filter = ["is_standard", "required_track"]
    search_fields = ["name", "description"]

    def get_form_class(self, for_update=False):
        return EntryStandardForm


class OrganizationReviewMenuItem(AdminMenuItem):
    def is_shown(self, request):
        return request.user.has_perm("marketplace.manage_procurement")
