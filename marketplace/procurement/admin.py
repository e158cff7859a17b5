"""Purchase methods (采购方式) in the Wagtail admin, with four eyes on their
floors, and the link to the project workbench.  Projects are kept in the
workbench; bids are never registered (sealing)."""

from django.contrib import messages
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem as AdminMenuItem
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from marketplace.core.audit import record_event
from marketplace.core.models.users import User
from marketplace.procurement.models.projects import PurchaseMethod
from marketplace.procurement.services import method_changes
from marketplace.procurement.services import projects as project_services

# --- Purchase projects: the officers' workbench link and the purchase methods (采购方式) ----------
# Projects themselves are kept in the workbench (/work/projects/), never edited here; the
# methods are configuration that officers keep (list, create, edit; no delete: projects refer
# to them, and a method is retired by unticking "in use").  Bids are not registered (sealing).


PURCHASE_METHOD_FIELDS = (
    "code",
    "name",
    "name_en",
    "description",
    "position",
    "min_period",
    "period_unit",
    "min_valid_bids",
    "committee_size",
    "addendum_min_days",
    "addendum_unit",
    "named_organization",
    "justification_required",
    "budget_cap",
    "one_bid_per_organization",
    "intention_days",
    "active",
)


class ProcurementOfficerPolicy(BasePermissionPolicy):
    """Procurement officers (``marketplace.manage_procurement``) keep the
    methods: view, add and change; nobody deletes one."""

    actions = ("view", "add", "change")

    def user_has_permission(self, user, action):
        return action in self.actions and project_services.is_officer(user)

    def users_with_any_permission(self, actions):
        if not set(actions) & set(self.actions):
            return User.objects.none()
        return User.objects.with_perm(project_services.OFFICER_PERMISSION, is_active=True)


register_permission_policy(PurchaseMethod, ProcurementOfficerPolicy(PurchaseMethod), exact_class=True)


def _audit_purchase_method(view, action):
    method = view.form.instance
    record_event(
        action,
        actor=view.request.user,
        obj=method,
        details={
            "changed": sorted(view.form.changed_data),
            "rules": {name: getattr(method, name) for name in PURCHASE_METHOD_FIELDS},
        },
    )


class FourEyesFormMixin:
    """A proposal the service refuses (one already pending, a floor) shows on the form."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except method_changes.MethodChangeError as exc:
            form.add_error(None, exc.message)
            self.produced_error_message = exc.message
            return self.form_invalid(form)


class PurchaseMethodCreateView(FourEyesFormMixin, generic.CreateView):
    """A new method is saved out of use; putting it into use is a change a
    second officer approves (four eyes)."""

    def save_instance(self):
        with transaction.atomic():
            wanted_active = self.form.instance.active
            self.form.instance.active = False
            method = super().save_instance()
            _audit_purchase_method(self, "purchasemethod.create")
            if wanted_active:
                method_changes.propose_change(method, values={"active": True}, by=self.request.user)
                messages.info(
                    self.request,
                    _("The method is saved out of use: a second procurement officer must approve putting it into use."),
                )
        return method


class PurchaseMethodEditView(FourEyesFormMixin, generic.EditView):
    """Changes to the floors (and putting a method back into use) are only
    proposed here; they take effect when a second officer approves them."""

    def save_instance(self):
        method = self.form.instance
        before = {name: self.form.initial.get(name) for name in (*method_changes.FLOOR_FIELDS, "active")}
        governed = method_changes.governed_changes(before, method)
        with transaction.atomic():
            for name in governed:
                setattr(method, name, before[name])  # unchanged until approved
            method = super().save_instance()
            _audit_purchase_method(self, "purchasemethod.edit")
            if governed:
                method_changes.propose_change(method, values=governed, by=self.request.user, previous=before)
                labels = [str(PurchaseMethod._meta.get_field(name).verbose_name) for name in governed]
                messages.info(
                    self.request,
                    _("The change to %(fields)s waits for a second procurement officer's approval.")
                    % {"fields": ", ".join(labels)},
                )
        return method


class PurchaseMethodViewSet(ModelViewSet):
    model = PurchaseMethod
    icon = "cogs"
    menu_label = gettext_lazy("Purchase methods")
    url_prefix = "purchase-methods"
    name = "purchase_methods"
    add_view_class = PurchaseMethodCreateView
    edit_view_class = PurchaseMethodEditView
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        "name",
        "name_en",
        "min_period",
        "period_unit",
        "min_valid_bids",
        "committee_size",
        "budget_cap",
        BooleanColumn("active", label=gettext_lazy("In use")),
    ]
    list_filter = ["active"]
    search_fields = ["code", "name", "name_en"]
    form_fields = list(PURCHASE_METHOD_FIELDS)


class ProjectWorkbenchMenuItem(AdminMenuItem):
    def is_shown(self, request):
        return project_services.is_officer(request.user)
