"""Catalogue management in the Wagtail admin: versions (create, copy
forward, publish), file import with progress, export, retiring items.
Every change goes through marketplace.services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from marketplace.catalogue import importing as catalogue_io
from marketplace.catalogue import permissions
from marketplace.catalogue import services as catalogue_services
from marketplace.catalogue.forms import ConfirmForm, ImportForm, RetireForm, VersionCreateForm
from marketplace.catalogue.models import CatalogueImport, CatalogueItem, CatalogueVersion, ServiceCategory
from marketplace.core import languages
from marketplace.core.reauth import reauth_required


class CatalogueAdminMixin(WagtailAdminTemplateMixin):
    """Officers (manage_procurement) act; others with view rights only look."""

    header_icon = "list-ul"
    view_permission = "marketplace.view_catalogueversion"
    needs_act = False

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.has_perm(self.view_permission) or (self.needs_act and not permissions.can_change_catalogue(user)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse("catalogue_admin:versions"), "label": _("Catalogue versions")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_act"] = bool(permissions.can_change_catalogue(self.request.user))
        return context


class VersionListView(CatalogueAdminMixin, TemplateView):
    template_name = "marketplace/catalogue/admin/versions.html"
    page_title = gettext_lazy("Catalogue versions")

    def get_breadcrumbs_items(self):
        return [{"url": reverse("wagtailadmin_home"), "label": _("Home")}, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["versions"] = CatalogueVersion.objects.annotate(
            item_count=Count("items"), active_count=Count("items", filter=Q(items__active=True))
        ).select_related("based_on")
        return context


class VersionCreateView(CatalogueAdminMixin, FormView):
    template_name = "marketplace/catalogue/admin/form.html"
    form_class = VersionCreateForm
    page_title = gettext_lazy("New catalogue version")
    needs_act = True

    def form_valid(self, form):
        try:
            version = catalogue_services.create_version(by=self.request.user, **form.cleaned_data)
        except catalogue_services.CatalogueError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Draft “%(name)s” created.") % {"name": version.name})
        return redirect("catalogue_admin:version", version.pk)


class VersionMixin:
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.version = get_object_or_404(CatalogueVersion, pk=kwargs["pk"])

    def get_page_subtitle(self):
        return self.version.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["version"] = self.version
        return context


class VersionDetailView(VersionMixin, CatalogueAdminMixin, TemplateView):
    template_name = "marketplace/catalogue/admin/version.html"
    page_title = gettext_lazy("Catalogue version")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        items = self.version.items.all()
        context.update(
            {
                "item_count": items.count(),
                "active_count": items.filter(active=True).count(),
                "imports": self.version.imports.select_related("uploaded_by")[:10],
                "items_url": reverse("catalogue_items:index") + f"?version={self.version.pk}",
            }
        )
        return context


@method_decorator(reauth_required, name="post")
class VersionPublishView(VersionMixin, CatalogueAdminMixin, FormView):
    """Publishing is irreversible: a confirmation page first, and a fresh
    re-authentication for the roles with a second factor."""

    template_name = "marketplace/catalogue/admin/publish.html"
    form_class = ConfirmForm
    page_title = gettext_lazy("Publish catalogue version")
    needs_act = True

    def dispatch(self, request, *args, **kwargs):
        if not self.version.is_draft and request.user.has_perm(self.view_permission):
            messages.error(request, _("Only a draft can be published."))
            return redirect("catalogue_admin:version", self.version.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active_count"] = self.version.items.filter(active=True).count()
        context["current"] = CatalogueVersion.objects.filter(state=CatalogueVersion.State.PUBLISHED).first()
        return context

    def form_valid(self, form):
        try:
            catalogue_services.publish_version(self.version, by=self.request.user)
        except catalogue_services.CatalogueError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("“%(name)s” is published.") % {"name": self.version.name})
        return redirect("catalogue_admin:version", self.version.pk)


class VersionImportView(VersionMixin, CatalogueAdminMixin, FormView):
    template_name = "marketplace/catalogue/admin/import.html"
    form_class = ImportForm
    page_title = gettext_lazy("Import items")
    needs_act = True

    def dispatch(self, request, *args, **kwargs):
        if not self.version.is_draft and request.user.has_perm(self.view_permission):
            messages.error(request, _("Only a draft version takes imports. Copy it forward first."))
            return redirect("catalogue_admin:version", self.version.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["units"] = " / ".join(catalogue_io.UNIT_WORDS)
        context["categories"] = "; ".join(
            f"{c.parent.name} / {c.name}"
            for c in ServiceCategory.objects.filter(parent__isnull=False).select_related("parent")
        )
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        job = catalogue_io.start_import(self.version, filename=upload.name, content=upload.read(), by=self.request.user)
        return redirect("catalogue_admin:import", job.pk)


class ImportStatusView(CatalogueAdminMixin, TemplateView):
    template_name = "marketplace/catalogue/admin/import_status.html"
    page_title = gettext_lazy("Import")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.job = get_object_or_404(CatalogueImport.objects.select_related("version", "uploaded_by"), pk=kwargs["pk"])

    def get_page_subtitle(self):
        return self.job.filename

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        errors = [{**err, "message": catalogue_io.render_error(err)} for err in self.job.errors]
        context.update({"job": self.job, "version": self.job.version, "errors": errors})
        return context


def export_version(request, pk, fmt):
    if not request.user.has_perm("marketplace.view_catalogueversion"):
        raise PermissionDenied
    version = get_object_or_404(CatalogueVersion, pk=pk)
    body, content_type, filename = catalogue_io.export_file(version, fmt, language=languages.current())
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ItemRetireView(CatalogueAdminMixin, FormView):
    template_name = "marketplace/catalogue/admin/retire.html"
    form_class = RetireForm
    page_title = gettext_lazy("Retire item")
    needs_act = True

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.item = get_object_or_404(CatalogueItem.objects.select_related("version"), pk=kwargs["pk"])

    def get_page_subtitle(self):
        return str(self.item)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["item"] = self.item
        return context

    def form_valid(self, form):
        try:
            catalogue_services.retire_item(self.item, reason=form.cleaned_data["reason"], by=self.request.user)
        except catalogue_services.CatalogueError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("“%(item)s” is retired.") % {"item": self.item})
        return redirect(reverse("catalogue_items:index") + f"?version={self.item.version_id}")
