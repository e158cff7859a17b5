"""The platform's permissions, named once.  Roles (``marketplace.core.roles``)
hold them; each domain's ``permissions.py`` combines them with the object's
state into ``can_<verb>(user, obj) -> (allowed, reason)``."""

from enum import StrEnum


class Permission(StrEnum):
    MANAGE_PROCUREMENT = "marketplace.manage_procurement"
    ACT_FOR_ORGANIZATION = "marketplace.act_for_organization"
    FILE_COMMUNITY_NEED = "marketplace.file_community_need"


def active(user):
    """Signed in and not deactivated."""
    return user is not None and user.is_authenticated and user.is_active


def has(user, permission):
    return active(user) and user.has_perm(str(permission))


def is_officer(user):
    """A procurement officer (采购人经办人): the one test every domain uses."""
    return has(user, Permission.MANAGE_PROCUREMENT)


class Decision(tuple):
    """``(allowed, reason)``: truthy when allowed; ``reason`` (for the user)
    says why not.  ``allowed, reason = can_x(user, obj)`` unpacks it."""

    __slots__ = ()

    def __new__(cls, allowed, reason=""):
        return super().__new__(cls, (bool(allowed), "" if allowed else str(reason)))

    def __bool__(self):
        return self[0]

    @property
    def allowed(self):
        return self[0]

    @property
    def reason(self):
        return self[1]


ALLOWED = Decision(True)


def refused(reason):
    return Decision(False, reason)
