"""Who works where (工作台): the rule ``marketplace.core.workspace`` is handed
in ``MarketplaceConfig.ready()`` (the header's entry and where sign-in lands).
It lives in the top layer because it asks several domains.

- procurement officers: their to-do page (``workspace:todo``) once it
  exists, else the project workbench;
- evaluators: the evaluation workspace (/evaluate/);
- members of organizations: the organization's workspace, or the list of
  their organizations when they act for several;
- community workers: their community's needs (/work/needs/);
- editors: the CMS admin (/admin/);
- anybody else: what an app built on marketplace says (the ``workspace``
  extension slot: finance officers land on their payments), else the
  account page (None here)."""

from django.urls import NoReverseMatch, reverse

from marketplace.core import extensions
from marketplace.core.permissions import active
from marketplace.evaluation.permissions import is_evaluator
from marketplace.needs.permissions import is_worker
from marketplace.organizations.selectors.members import memberships_of_user
from marketplace.procurement.permissions import can_use_workbench


def officer_workspace_url():
    try:
        return reverse("workspace:todo")
    except NoReverseMatch:
        return reverse("projects:index")


def workspace_for(user):
    """The path of ``user``'s workspace, or None (the account page)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if can_use_workbench(user):
        return officer_workspace_url()
    if is_evaluator(user):
        return reverse("evaluate:index")
    organizations = list(memberships_of_user(user).values_list("organization_id", flat=True)[:2])
    if len(organizations) == 1:
        return reverse("orgs:workspace", args=[organizations[0]])
    if organizations:
        return reverse("orgs:mine")
    if is_worker(user):
        return reverse("work:needs")
    if active(user) and user.groups.filter(name="editor").exists():
        return reverse("wagtailadmin_home")
    for function in extensions.functions("workspace"):
        found = function(user)
        if found:
            return found
    return None
