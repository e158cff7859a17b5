"""Who may change the service catalogue (目录).

``can_<verb>(user, obj) -> Decision``: the admin views, the services and the
state machine (``permission=`` on ``CatalogueVersion``'s transitions) ask the
same functions.  State rules live on the model (``conditions``).  Imports
nothing but core: the models import this module."""

from django.utils.translation import gettext_lazy as _

from marketplace.core.fsm import allowed
from marketplace.core.permissions import ALLOWED, is_officer, refused

OFFICERS_ONLY = _("Only procurement officers may change the catalogue.")


def can_change_catalogue(user, obj=None):
    """Draft a version, edit or retire its items, publish it: procurement officers."""
    return ALLOWED if is_officer(user) else refused(OFFICERS_ONLY)


def can_publish(user, version):
    return can_change_catalogue(user, version)


# --- the state machine's ``permission=``: (instance, user) ---------------------------


def may_publish(version, user):
    return can_publish(user, version)


def available_actions(user, version):
    """``publish`` when ``user`` may publish ``version`` now."""
    return {"publish"} if allowed(version.publish, user) else set()
