"""The evaluator pool (评审专家库) in the Wagtail admin."""

import django_filters
from django import forms as django_forms
from django.db import transaction
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from marketplace.catalogue.models import ServiceCategory
from marketplace.core.audit import record_event
from marketplace.core.forms import IdMultipleChoiceField
from marketplace.core.models.users import User
from marketplace.evaluation.models import Evaluator
from marketplace.evaluation.services.committee import EVALUATE_PERMISSION

# --- The evaluator pool (评审专家库) ------------------------------------------------------------------
# Officers keep the pool: experts and third-party evaluation organizations, each acting through an
# account with the evaluator role, with their fields of expertise (major categories).  The model
# permissions of the procurement officer role (add/change/view_evaluator) decide who may use it
# (Wagtail's model permission policy); nobody deletes an entry (committees refer to it): untick
# "in the pool" instead.


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
