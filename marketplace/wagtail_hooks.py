"""The Wagtail admin of the marketplace app: each domain keeps its viewsets
in its own ``admin.py``; the menu groups (which mix domains: community funds
sit in the catalogue menu, the evaluator pool in the projects menu) and the
hook registrations are composed here."""

from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from marketplace.catalogue.admin import (
    CatalogueItemViewSet,
    CatalogueVersionsMenuItem,
    ServiceCategoryViewSet,
    catalogue_admin_urls,
)
from marketplace.core import admin as _security_admin  # noqa: F401  (sign-in attempts, lockout reset)
from marketplace.evaluation.admin import EvaluatorViewSet
from marketplace.needs.admin import CommunityFundViewSet
from marketplace.organizations.admin import EntryStandardViewSet, OrganizationReviewMenuItem
from marketplace.procurement import admin_method_changes
from marketplace.procurement.admin import ProjectWorkbenchMenuItem, PurchaseMethodViewSet


@hooks.register("register_admin_urls")
def register_catalogue_urls():
    return [path("catalogue/", include(catalogue_admin_urls))]


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
