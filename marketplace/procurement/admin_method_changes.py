"""Four eyes on purchase-method floors in the Wagtail admin: the proposed
changes, and a second officer's approval or rejection.  Every decision goes
through ``marketplace.procurement.services.method_changes`` (which audits it)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from marketplace.core.permissions import is_officer
from marketplace.core.reauth import reauth_required
from marketplace.procurement.models.projects import PurchaseMethod, PurchaseMethodChange
from marketplace.procurement.services import method_changes


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
    )
    reason = forms.CharField(label=gettext_lazy("Reason (for a rejection)"), required=False, max_length=1000)


def _field_label(name):
    return str(PurchaseMethod._meta.get_field(name).verbose_name)


def _shown(name, value):
    """A governed value as the approver reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    choices = dict(PurchaseMethod._meta.get_field(name).flatchoices)
    return str(choices.get(value, value))


def _rows(change):
    """The rows the approver decides on: the proposed values, and when the
    change puts the method into use, every governed value (a new method's
    floors, budget cap and limits), so nothing takes effect unseen."""
    names = list(change.proposed)
    if change.proposed.get("active") and not change.previous.get("active"):
        governed = (*method_changes.FLOOR_FIELDS, "active")
        names = [name for name in governed if name in change.proposed or name in change.previous]
    rows = []
    for name in names:
        before = change.previous.get(name)
        after = change.proposed.get(name, before)
        rows.append(
            {
                "label": _field_label(name),
                "before": _shown(name, before),
                "after": _shown(name, after),
                "changed": name in change.proposed,
            }
        )
    return rows


class OfficerOnlyMixin(WagtailAdminTemplateMixin):
    header_icon = "tick"

    def dispatch(self, request, *args, **kwargs):
        if not is_officer(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ChangeListView(OfficerOnlyMixin, TemplateView):
    template_name = "marketplace/procurement/admin/method_changes.html"
    page_title = gettext_lazy("Purchase method changes")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        changes = PurchaseMethodChange.objects.select_related("method", "proposed_by", "decided_by")
        pending = [
            {
                "change": change,
                "rows": _rows(change),
                "own": change.proposed_by_id == self.request.user.pk,
                "activates": bool(change.proposed.get("active") and not change.previous.get("active")),
            }
            for change in changes.filter(state=PurchaseMethodChange.State.PENDING)
        ]
        decided = [
            {"change": change, "rows": _rows(change)}
            for change in changes.exclude(state=PurchaseMethodChange.State.PENDING)[:20]
        ]
        context.update(pending=pending, decided=decided, form=kwargs.get("form") or DecisionForm())
        return context


@method_decorator(reauth_required, name="post")  # an approval takes effect at once
class DecideView(OfficerOnlyMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, pk):
        change = PurchaseMethodChange.objects.filter(pk=pk).first()
        if change is None:
            raise Http404
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose approve or reject."))
            return redirect("method_changes:index")
        try:
            if form.cleaned_data["decision"] == "approve":
                method_changes.approve_change(change, by=request.user)
                messages.success(request, _("The change is approved and in effect."))
            else:
                method_changes.reject_change(change, by=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("The change is rejected; nothing changed."))
        except method_changes.MethodChangeError as exc:
            messages.error(request, exc.message)
        return redirect(reverse("method_changes:index"))


urls = (
    [
        path("", ChangeListView.as_view(), name="index"),
        path("<int:pk>/decide/", DecideView.as_view(), name="decide"),
    ],
    "method_changes",
)
