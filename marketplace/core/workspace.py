"""Where a signed-in person's work is (工作台): the header's entry and the
page sign-in lands on when no ``next`` is given.

Who works where is the domains' knowledge (organization members, officers,
evaluators), and the kernel imports no domain: ``MarketplaceConfig.ready()``
hands the rule in (``marketplace.workspace.landing.workspace_for``), as it does for
``Project.contract_blockers``.  Without a rule, everybody's workspace is the
account page."""

from django.urls import reverse

#: ``fn(user) -> path or None``, set by ``MarketplaceConfig.ready()``
resolver = None


def workspace_url(user):
    """The path of ``user``'s workspace; the account page for anybody the rule
    does not place (and for anonymous users, who are sent to sign in)."""
    url = None
    if resolver is not None and user is not None and user.is_authenticated:
        url = resolver(user)
    return url or reverse("account")
