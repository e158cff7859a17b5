"""The catalogue in the Wagtail admin: the versions (custom views in
``admin_views``), the items and the categories (model viewsets).  The menu
group is composed in ``marketplace/wagtail_hooks.py``."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, re_path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem as AdminMenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import MenuItem
from wagtail.log_actions import log

from marketplace.catalogue import admin_views
from marketplace.catalogue import services as catalogue_services
from marketplace.catalogue.models import CatalogueItem, CatalogueLockedError, CatalogueVersion, ServiceCategory

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


class CatalogueVersionsMenuItem(AdminMenuItem):
    def is_shown(self, request):
        return request.user.has_perm("marketplace.view_catalogueversion")
