"""The catalogue in the Wagtail admin: a "Service catalogue" menu with the
versions (custom views), the items and the categories (model viewsets), and
the community funds."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import include, path, re_path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem as AdminMenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import MenuItem
from wagtail.log_actions import log

from marketplace.catalogue import admin_views
from marketplace.catalogue import services as catalogue_services
from marketplace.catalogue.models import CatalogueItem, CatalogueLockedError, CatalogueVersion, ServiceCategory
from marketplace.core.forms import IdMultipleChoiceField
from marketplace.needs.models import CommunityFund

catalogue_admin_urls = (
    [
        path("", admin_views.VersionListView.as_view(), name="versions"),
        path("new/", admin_views.VersionCreateView.as_view(), name="version_create"),
        path("<int:pk>/", admin_views.VersionDetailView.as_view(), name="version"),
        path("<int:pk>/publish/", admin_views.VersionPublishView.as_view(), name="publish"),
        path("<int:pk>/import/", admin_views.VersionImportView.as_view(), name="version_import"),
        re_path(r"^(?P<pk>\d+)/export\.(?P<fmt>xlsx|pdf)$", admin_views.export_version, name="export"),
        path("imports/<int:pk>/", admin_views.ImportStatusView.as_view(), name="import"),
        path("items/<int:pk>/retire/", admin_views.ItemRetireView.as_view(), name="retire"),
    ],
    "catalogue_admin",
)


@hooks.register("register_admin_urls")
def register_catalogue_urls():
    return [path("catalogue/", include(catalogue_admin_urls))]


def _editable(item):
    return item.version.state == CatalogueVersion.State.DRAFT


class ItemIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("version", "category__parent")

    def get_edit_url(self, instance):
        return super().get_edit_url(instance) if _editable(instance) else None

    def get_delete_url(self, instance):
        if _editable(instance) and instance.previous_id is None:
            return super().get_delete_url(instance)
        return None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if _editable(instance) and instance.active and self.request.user.has_perm("marketplace.manage_procurement"):
            buttons.append(
                MenuItem(
                    gettext_lazy("Retire"),
                    url=reverse("catalogue_admin:retire", args=[instance.pk]),
                    icon_name="cross",
                    priority=25,
                )
            )
        return buttons


class LockedItemMixin:
    """A published version's items cannot be edited or deleted: say so and go back."""

    def dispatch(self, request, *args, **kwargs):
        item = self.get_object()
        locked = not _editable(item)
        if not locked and getattr(self, "refuse_published_items", False) and item.previous_id:
            messages.error(request, _("A published item is never deleted; retire it with a reason."))
            return redirect(reverse("catalogue_items:index") + f"?version={item.version_id}")
        if locked:
            messages.error(request, _("This catalogue version is published and cannot change; copy it to a new draft."))
            return redirect(reverse("catalogue_items:index") + f"?version={item.version_id}")
        return super().dispatch(request, *args, **kwargs)


class ItemCreateView(generic.CreateView):
    def save_instance(self):
        item = catalogue_services.save_draft_item(self.form.save(commit=False), by=self.request.user)
        log(item, "wagtail.create", user=self.request.user)  # the admin's own history view
        return item


class ItemEditView(LockedItemMixin, generic.EditView):
    def save_instance(self):
        item = catalogue_services.save_draft_item(self.form.save(commit=False), by=self.request.user)
        log(item, "wagtail.edit", user=self.request.user)
        return item


class ItemDeleteView(LockedItemMixin, generic.DeleteView):
    refuse_published_items = True

    def delete_action(self):
        catalogue_services.delete_draft_item(self.object, by=self.request.user)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (CatalogueLockedError, catalogue_services.CatalogueError):
            messages.error(self.request, _("A published item is never deleted; retire it with a reason."))
            return redirect(reverse("catalogue_items:index") + f"?version={self.object.version_id}")


class CatalogueItemViewSet(ModelViewSet):
    model = CatalogueItem
    icon = "doc-full"
    menu_label = gettext_lazy("Catalogue items")
    url_prefix = "catalogue-items"
    name = "catalogue_items"
    index_view_class = ItemIndexView
    add_view_class = ItemCreateView
    edit_view_class = ItemEditView
    delete_view_class = ItemDeleteView
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        "code",
        "name",
        "category",
        "department",
        Column("price_display", label=gettext_lazy("Reference price")),
        "unit",
        "version",
        BooleanColumn("active", label=gettext_lazy("Active")),
    ]
    list_filter = {
        "version": ["exact"],
        "category": ["exact"],
        "department": ["icontains"],
        "kind": ["exact"],
        "active": ["exact"],
    }
    search_fields = ["code", "name", "content", "department"]
    form_fields = ["version", *CatalogueItem.CONTENT_FIELDS]

    def formfield_for_dbfield(self, db_field, **kwargs):
        field = super().formfield_for_dbfield(db_field, **kwargs)
        if db_field.name == "version":
            field.queryset = CatalogueVersion.objects.filter(state=CatalogueVersion.State.DRAFT)
        elif db_field.name == "category":
            field.queryset = ServiceCategory.objects.filter(parent__isnull=False).select_related("parent")
        return field


class ServiceCategoryViewSet(ModelViewSet):
    model = ServiceCategory
    icon = "folder-open-inverse"
    menu_label = gettext_lazy("Service categories")
    url_prefix = "service-categories"
    name = "service_categories"
    list_display = ["code", "name", "parent", "sort_order"]
    list_filter = ["parent"]
    search_fields = ["code", "name"]
    form_fields = ["code", "name", "parent", "sort_order"]
    copy_view_enabled = False

    def formfield_for_dbfield(self, db_field, **kwargs):
        field = super().formfield_for_dbfield(db_field, **kwargs)
        if db_field.name == "parent":
            field.queryset = ServiceCategory.objects.filter(parent__isnull=True)
        return field


class CommunityFundViewSet(ModelViewSet):
    model = CommunityFund
    icon = "form"
    menu_label = gettext_lazy("Community funds")
    url_prefix = "community-funds"
    name = "community_funds"
    list_display = ["community", "year", "amount"]
    list_filter = ["year", "community"]
    form_fields = ["community", "year", "amount"]
    copy_view_enabled = False


class CatalogueVersionsMenuItem(AdminMenuItem):
    def is_shown(self, request):
        return request.user.has_perm("marketplace.view_catalogueversion")


class CatalogueGroup(ViewSetGroup):
    menu_label = gettext_lazy("Service catalogue")
    menu_icon = "list-ul"
    menu_order = 150
    items = (CatalogueItemViewSet, ServiceCategoryViewSet, CommunityFundViewSet)

    def get_submenu_items(self):
        versions = CatalogueVersionsMenuItem(
            gettext_lazy("Catalogue versions"), reverse_lazy("catalogue_admin:versions"), icon_name="list-ul", order=0
        )
        return [versions, *super().get_submenu_items()]


@hooks.register("register_admin_viewset")
def register_catalogue_viewsets():
    return CatalogueGroup()


# --- Social organizations: entry standards (准入标准) and the review link ----------------------
# Officers keep the entry standards here (list, create, edit; no delete: purchase projects will
# refer to them).  Organizations themselves are not registered: officers decide on them in the
# review pages (/work/organizations/) and never edit their data.

from django.db import transaction  # noqa: E402

from marketplace.core.audit import record_event  # noqa: E402
from marketplace.organizations.forms.review import EntryStandardForm  # noqa: E402
from marketplace.organizations.models import EntryStandard, OrganizationDocument  # noqa: E402

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


class OrganizationGroup(ViewSetGroup):
    menu_label = gettext_lazy("Social organizations")
    menu_icon = "group"
    menu_order = 160
    items = (EntryStandardViewSet,)

    def get_submenu_items(self):
        review = OrganizationReviewMenuItem(
            gettext_lazy("Review social organizations"),
            reverse_lazy("orgreview:queue"),
            icon_name="doc-full-inverse",
            order=0,
        )
        return [review, *super().get_submenu_items()]


@hooks.register("register_admin_viewset")
def register_organization_viewsets():
    return OrganizationGroup()


# --- Purchase projects: the officers' workbench link and the purchase methods (采购方式) ----------
# Projects themselves are kept in the workbench (/work/projects/), never edited here; the
# methods are configuration that officers keep (list, create, edit; no delete: projects refer
# to them, and a method is retired by unticking "in use").  Bids are not registered (sealing).

from wagtail.permission_policies.base import BasePermissionPolicy  # noqa: E402
from wagtail.permissions import register_permission_policy  # noqa: E402

from marketplace.core.models.users import User  # noqa: E402
from marketplace.procurement import admin_method_changes  # noqa: E402
from marketplace.procurement.models.projects import PurchaseMethod  # noqa: E402
from marketplace.procurement.services import method_changes  # noqa: E402
from marketplace.procurement.services import projects as project_services  # noqa: E402

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


# --- The evaluator pool (评审专家库) ------------------------------------------------------------------
# Officers keep the pool: experts and third-party evaluation organizations, each acting through an
# account with the evaluator role, with their fields of expertise (major categories).  The model
# permissions of the procurement officer role (add/change/view_evaluator) decide who may use it
# (Wagtail's model permission policy); nobody deletes an entry (committees refer to it): untick
# "in the pool" instead.

import django_filters  # noqa: E402
from django import forms as django_forms  # noqa: E402
from wagtail.admin.filters import WagtailFilterSet  # noqa: E402
from wagtail.permission_policies import ModelPermissionPolicy  # noqa: E402

from marketplace.evaluation.models import Evaluator  # noqa: E402
from marketplace.evaluation.services.committee import EVALUATE_PERMISSION  # noqa: E402

EVALUATOR_FIELDS = ("user", "kind", "name", "affiliation", "expertise", "active")

register_permission_policy(Evaluator, ModelPermissionPolicy(Evaluator), exact_class=True)


def evaluator_accounts():
    """Active accounts holding the evaluator role."""
    return User.objects.with_perm(EVALUATE_PERMISSION, is_active=True, include_superusers=False).order_by("username")


def _expertise_display(evaluator):
    return "、".join(category.name for category in evaluator.expertise.all()) or "—"


def _audit_evaluator(view, action):
    evaluator = view.form.instance
    record_event(
        action,
        actor=view.request.user,
        obj=evaluator,
        details={
            "changed": sorted(view.form.changed_data),
            "kind": evaluator.kind,
            "active": evaluator.active,
            "expertise": sorted(evaluator.expertise.values_list("pk", flat=True)),
        },
    )


class EvaluatorIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().prefetch_related("expertise")


class EvaluatorCreateView(generic.CreateView):
    def save_instance(self):
        with transaction.atomic():
            evaluator = super().save_instance()
            _audit_evaluator(self, "evaluator.create")
        return evaluator


class EvaluatorEditView(generic.EditView):
    def save_instance(self):
        with transaction.atomic():
            evaluator = super().save_instance()
            _audit_evaluator(self, "evaluator.edit")
        return evaluator


class EvaluatorFilterSet(WagtailFilterSet):
    expertise = django_filters.ModelChoiceFilter(
        label=gettext_lazy("fields of expertise"),
        queryset=ServiceCategory.objects.filter(parent__isnull=True),
    )

    class Meta:
        model = Evaluator
        fields = ["kind", "active", "expertise"]


class EvaluatorViewSet(ModelViewSet):
    model = Evaluator
    icon = "user"
    menu_label = gettext_lazy("Evaluator pool")
    url_prefix = "evaluators"
    name = "evaluators"
    index_view_class = EvaluatorIndexView
    add_view_class = EvaluatorCreateView
    edit_view_class = EvaluatorEditView
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        "name",
        "kind",
        "affiliation",
        Column("expertise", label=gettext_lazy("Fields of expertise"), accessor=_expertise_display),
        BooleanColumn("active", label=gettext_lazy("In the pool")),
    ]
    filterset_class = EvaluatorFilterSet
    search_fields = ["name", "affiliation"]
    form_fields = list(EVALUATOR_FIELDS)

    def formfield_for_dbfield(self, db_field, **kwargs):
        if db_field.name == "expertise":
            kwargs["widget"] = django_forms.CheckboxSelectMultiple
            kwargs["form_class"] = IdMultipleChoiceField  # an id beyond 64 bits is refused, not a 500
        field = super().formfield_for_dbfield(db_field, **kwargs)
        if db_field.name == "user":
            field.queryset = evaluator_accounts()
            field.label_from_instance = lambda user: f"{user.display_name} ({user.username})"
            field.help_text = gettext_lazy("An active account with the evaluator role.")
        elif db_field.name == "expertise":
            field.queryset = ServiceCategory.objects.filter(parent__isnull=True)
        return field


class ProjectWorkbenchMenuItem(AdminMenuItem):
    def is_shown(self, request):
        return project_services.is_officer(request.user)


class ProjectGroup(ViewSetGroup):
    menu_label = gettext_lazy("Purchase projects")
    menu_icon = "clipboard-list"
    menu_order = 170
    items = (PurchaseMethodViewSet, EvaluatorViewSet)

    def get_submenu_items(self):
        workbench = ProjectWorkbenchMenuItem(
            gettext_lazy("Project workbench"),
            reverse_lazy("projects:index"),
            icon_name="list-ul",
            order=0,
        )
        challenges = ProjectWorkbenchMenuItem(
            gettext_lazy("Open challenges"),
            reverse_lazy("projects:challenges"),
            icon_name="warning",
            order=1,
        )
        method_change_list = ProjectWorkbenchMenuItem(
            gettext_lazy("Method changes to approve"),
            reverse_lazy("method_changes:index"),
            icon_name="tick",
            order=2,
        )
        return [workbench, challenges, method_change_list, *super().get_submenu_items()]


@hooks.register("register_admin_urls")
def register_method_change_urls():
    return [path("purchase-method-changes/", include(admin_method_changes.urls))]


@hooks.register("register_admin_viewset")
def register_project_viewsets():
    return ProjectGroup()


# Accounts security (issue 12): sign-in attempts and lockout reset.
from marketplace.core import admin as _security_admin  # noqa: E402,F401
