"""The contract domain's Wagtail admin: the contract kinds (configuration
rows, like purchase methods) and the contract clauses (a snippet with
drafts and revisions; a contract's PDF uses the latest published revision
for its kind, or the general clauses)."""

from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from contracts.contracts.models import ContractClauses, ContractKind


class ContractKindViewSet(ModelViewSet):
    model = ContractKind
    icon = "cogs"
    menu_label = gettext_lazy("Contract kinds")
    url_prefix = "contract-kinds"
    name = "contract_kinds"
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["name", "name_en", "code", "schedule", "cost_share_cap", "active"]
    list_filter = ["active", "schedule"]
    search_fields = ["code", "name"]
    form_fields = ["code", "name", "name_en", "description", "schedule", "cost_share_cap", "active", "order"]


class ContractClausesForm(WagtailAdminModelForm):
    """Clause text is never saved incomplete, not even as a draft: Wagtail
    would defer the required fields for a draft, but its revert view then
    saves a revision the model refuses (an error page instead of the form)."""

    def defer_required_fields(self):
        pass


class ContractClausesViewSet(SnippetViewSet):
    model = ContractClauses
    edit_handler = ObjectList(
        [FieldPanel("name"), FieldPanel("kind"), FieldPanel("general"), FieldPanel("breach"), FieldPanel("disputes")],
        base_form_class=ContractClausesForm,
    )
    icon = "doc-full"
    menu_label = gettext_lazy("Contract clauses")
    url_prefix = "contract-clauses"
    copy_view_enabled = False
    list_display = ["name", "kind", "live"]
    search_fields = ["name"]


class ContractGroup(ViewSetGroup):
    menu_label = gettext_lazy("Contracts")
    menu_icon = "doc-full-inverse"
    menu_order = 260
    items = (ContractKindViewSet, ContractClausesViewSet)


@hooks.register("register_admin_viewset")
def register_contract_viewsets():
    return ContractGroup()
