"""Account events in the audit chain, recorded centrally by receivers, so no
view (the site's, Wagtail's user and group admin, bulk actions, the shell)
can change an account without a trace:

=============================  =============================================
``user.create``                a user row is created (admin, sign-up, shell)
``user.delete``                a user row is deleted
``user.groups_add/_remove``    roles (groups) given or taken, from either side
``group.create/.delete``       a group is created or deleted
``group.permissions_add/...``  a group's permissions change, from either side
``user.activate/deactivate``   ``is_active`` changes (also Wagtail's bulk action,
                               which updates rows without saving them)
``user.superuser_grant/...``   ``is_superuser`` changes; ``user.staff_*`` likewise
``user.password_change``       the password hash changes on save
``user.password_reset``        ... through the reset link (PasswordResetConfirmView)
``user.sign_in``               ``user_logged_in``, on every way to sign in
``user.locked_out``            wrong passwords locked an account (the start)
``security.address_locked_out`` ... or locked a client address (the start)
=============================  =============================================

A single wrong password is not an event.  Anyone can send one, without an
account and at no cost once the lock refuses it before any password is
hashed; each event would stay in the chain for ever and queue for the chain
head's lock ahead of bids (DESIGN section 5).  Wrong passwords are counted
and listed by the lockout instead (django-axes' ``AccessAttempt`` rows,
shown under "Sign-in attempts" in the admin, ``marketplace.core.admin``);
the chain gets one event when they *start* a lockout - axes'
``user_locked_out`` signal on the failure that reaches a limit, not the
signals it sends again for every attempt refused while locked - at most
once per account and per address within a cool-off
(``marketplace.core.lockout``).  A lockout of a name that is no account
locks nothing and is left to the lockout's own records.

The acting user is the request's user (``marketplace.core.request_context``)
or whoever ``acting_as`` names; none for the system.  The person an event is
about is its object (``marketplace.user``, the primary key).  When the actor
is that same person (signing in, changing one's own password) the event has
no actor and ``details["by"] == "self"``: ``AuditEvent.actor`` protects its
user from deletion, and signing in should not make an account undeletable.

Nothing personal enters the chain (it is kept for ever): never an e-mail
address, a phone number or a user name (self-signed-up accounts' user names
are their e-mail address or number), never a typed password, never a
client address: a lockout event names the account (its primary key) and
the address only as a keyed digest (``audit_keys.pseudonym``).

Two-factor enrolment (the "auth" work) and page unpublishing (the "admin"
work) write their own events.  Role permissions applied by ``migrate``
(``marketplace.core.roles.sync_roles`` after migrating or flushing) are not
events: they are code, reviewed and versioned in git.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import PasswordResetConfirmView
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save

from marketplace.core.audit_keys import pseudonym
from marketplace.core.request_context import current_actor, current_view_class, current_view_name

_silenced = ContextVar("marketplace_account_audit_silenced", default=False)
TRACKED_FIELDS = ("password", "is_active", "is_superuser", "is_staff")
USER_TYPE = "marketplace.user"
GROUP_TYPE = "auth.group"


@contextmanager
def role_sync_unaudited():
    """For ``sync_roles`` run by migrate/flush only (see the module docstring)."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def sync_roles_after_migrate(*args, **kwargs):
    """``marketplace.core.roles.sync_roles_after_migrate`` without per-row events."""
    from marketplace.core import roles

    with role_sync_unaudited():
        roles.sync_roles_after_migrate(*args, **kwargs)


def _record(action, *, user=None, group=None, details=None, actor=None, use_context_actor=True):
    if _silenced.get():
        return None
    from marketplace.core.audit import record_event

    details = dict(details or {})
    if use_context_actor and actor is None:
        actor = current_actor()
    if user is not None and actor is not None and actor.pk == user.pk:
        actor = None
        details["by"] = "self"
    via = current_view_name()
    if via:
        details.setdefault("via", via)
    if user is not None:
        return record_event(action, actor=actor, object_type=USER_TYPE, object_id=str(user.pk), details=details)
    if group is not None:
        details.setdefault("group", group.name)
        return record_event(action, actor=actor, object_type=GROUP_TYPE, object_id=str(group.pk), details=details)
    return record_event(action, actor=actor, details=details)


# --- the user row ---------------------------------------------------------------


def _snapshot(instance):
    # From __dict__ only: a deferred field is not loaded just to remember it.
    instance._audit_snapshot = {name: instance.__dict__.get(name) for name in TRACKED_FIELDS}


def user_initialised(sender, instance, **kwargs):
    _snapshot(instance)


def _flag_events(before, after, name, on, off):
    if before.get(name) is None or before[name] == after[name]:
        return []
    return [on if after[name] else off]


def user_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    before = getattr(instance, "_audit_snapshot", None) or {}
    if created:
        _record(
            "user.create",
            user=instance,
            details={
                "is_active": instance.is_active,
                "is_staff": instance.is_staff,
                "is_superuser": instance.is_superuser,
                "self_signed_up": bool(getattr(instance, "self_signed_up", False)),
            },
        )
        _snapshot(instance)
        return
    saved = set(update_fields) if update_fields is not None else set(TRACKED_FIELDS)
    after = {name: instance.__dict__.get(name) for name in TRACKED_FIELDS}
    for name in TRACKED_FIELDS:
        if name not in saved or name not in instance.__dict__:
            after[name] = before.get(name)
    actions = []
    actions += _flag_events(before, after, "is_active", "user.activate", "user.deactivate")
    actions += _flag_events(before, after, "is_superuser", "user.superuser_grant", "user.superuser_revoke")
    actions += _flag_events(before, after, "is_staff", "user.staff_grant", "user.staff_revoke")
    if before.get("password") is not None and before["password"] != after["password"]:
        view_class = current_view_class()
        if view_class is not None and issubclass(view_class, PasswordResetConfirmView):
            actions.append("user.password_reset")
        else:
            actions.append("user.password_change")
    for action in actions:
        if action in ("user.activate", "user.deactivate"):
            _bulk_seen().add(instance.pk)
        _record(action, user=instance)
    _snapshot(instance)


def user_deleted(sender, instance, **kwargs):
    _record("user.delete", user=instance)


# --- roles: group membership and group permissions ---------------------------------


def _names(model, pks):
    if model is Group:
        return sorted(Group.objects.filter(pk__in=pks).values_list("name", flat=True))
    perms = Permission.objects.filter(pk__in=pks).select_related("content_type")
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in perms)


def _existing_members(instance, reverse, pk_set, through, source, target):
    """Of ``pk_set``, the ones linked now (removal of a non-member is no change)."""
    own = f"{source}_id" if not reverse else f"{target}_id"
    other = f"{target}_id" if not reverse else f"{source}_id"
    rows = through.objects.filter(**{own: instance.pk})
    if pk_set is not None:
        rows = rows.filter(**{f"{other}__in": pk_set})
    return set(rows.values_list(other, flat=True))


def _changed_pks(sender, instance, action, reverse, pk_set, forward_field, reverse_field):
    """The ids added or removed by a many-to-many change, once it happened
    (``post_*``); ``None`` before it, or when the receivers are silenced.
    What a remove or clear takes away is read in ``pre_*`` (afterwards the
    rows are gone) and kept on the instance until ``post_*``."""
    if _silenced.get():
        return None
    if action in ("pre_remove", "pre_clear"):
        instance._audit_removing = _existing_members(instance, reverse, pk_set, sender, forward_field, reverse_field)
        return None
    if action not in ("post_add", "post_remove", "post_clear"):
        return None
    pks = set(pk_set or ()) if action == "post_add" else getattr(instance, "_audit_removing", set())
    instance._audit_removing = set()
    return pks


def user_groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """``user.groups.add(...)`` (``reverse`` False) and ``group.user_set.add(...)``."""
    pks = _changed_pks(sender, instance, action, reverse, pk_set, "user", "group")
    if not pks:
        return
    user_model = get_user_model()
    verb = "user.groups_add" if action == "post_add" else "user.groups_remove"
    if not reverse:
        _record(verb, user=instance, details={"groups": _names(Group, pks)})
    else:
        for user in user_model._base_manager.filter(pk__in=pks).order_by("pk"):
            _record(verb, user=user, details={"groups": [instance.name]})


def group_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """``group.permissions.add(...)`` and ``permission.group_set.add(...)``."""
    pks = _changed_pks(sender, instance, action, reverse, pk_set, "group", "permission")
    if not pks:
        return
    verb = "group.permissions_add" if action == "post_add" else "group.permissions_remove"
    if not reverse:
        _record(verb, group=instance, details={"permissions": _names(Permission, pks)})
    else:
        label = f"{instance.content_type.app_label}.{instance.codename}"
        for group in Group.objects.filter(pk__in=pks).order_by("pk"):
            _record(verb, group=group, details={"permissions": [label]})


def group_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        _record("group.create", group=instance)


def group_deleted(sender, instance, **kwargs):
    _record("group.delete", group=instance)


# --- signing in ----------------------------------------------------------------------


def signed_in(sender, request, user, **kwargs):
    _record("user.sign_in", user=user, actor=user)


def _account_named(typed):
    """The account a (normalised) sign-in name belongs to, as
    IdentifierBackend would find it, or None."""
    from django.core.exceptions import ValidationError

    from marketplace.core.accounts import normalise_identifier

    user_model = get_user_model()
    typed = str(typed or "").strip()
    if not typed:
        return None
    candidates = [typed]
    try:
        candidates.insert(0, normalise_identifier(typed)[1])
    except ValidationError:
        pass
    for name in candidates:
        user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: name}).first()
        if user is not None:
            return user
    return None


def _first_in_cool_off(kind, key, request):
    """True once per ``kind``/``key`` within a cool-off (shared cache, atomic
    ``add``): concurrent wrong passwords that reach the limit together start
    one lockout, not one each."""
    from django.core.cache import cache

    from marketplace.core import lockout

    seconds = max(60, lockout.cool_off_minutes(request) * 60)
    return cache.add(f"account-audit:lockout:{kind}:{pseudonym('lockout-' + kind, key)}", 1, seconds)


def lockout_started(sender, request=None, username=None, ip_address=None, **kwargs):
    """axes' ``user_locked_out``: an event when this failure started a lockout.

    axes sends the signal on the wrong password that reaches a limit (it was
    counted: ``axes_failures_since_start`` is set) and again on every attempt
    refused while locked (not counted: it stays None).  Only the first is an
    event, once for the account and once for the address, whichever limits
    were reached."""
    from django.conf import settings

    from marketplace.core import lockout

    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    per_account, per_address = lockout.failure_counts(request, username, ip_address)
    address = pseudonym("client-address", ip_address) if ip_address else ""
    details = {"minutes": lockout.cool_off_minutes(request)}
    if address:
        details["address"] = address
    if username and per_account >= settings.AXES_FAILURE_LIMIT:
        account = _account_named(username)
        if account is not None and _first_in_cool_off("account", str(account.pk), request):
            _record(
                "user.locked_out",
                user=account,
                details={**details, "limit": "account", "failures": per_account},
                use_context_actor=False,
            )
    if (
        address
        and per_address >= settings.LOCKOUT_ADDRESS_FAILURE_LIMIT
        and _first_in_cool_off("address", ip_address, request)
    ):
        _record(
            "security.address_locked_out",
            details={**details, "limit": "address", "failures": per_address},
            use_context_actor=False,
        )


# --- Wagtail's bulk "set active state" updates rows without saving them ------------------

_bulk = ContextVar("marketplace_account_audit_bulk", default=None)


def _bulk_seen():
    seen = _bulk.get()
    return seen if seen is not None else set()


def before_bulk_action(request, action_type, objects, action_view):
    if action_type == "set_active_state" and getattr(action_view, "model", None) is get_user_model():
        pks = [obj.pk for obj in objects]
        action_view._audit_active_before = dict(
            get_user_model()._base_manager.filter(pk__in=pks).values_list("pk", "is_active")
        )
        action_view._audit_bulk_token = _bulk.set(set())


def after_bulk_action(request, action_type, objects, action_view):
    before = getattr(action_view, "_audit_active_before", None)
    if before is None:
        return
    seen = _bulk_seen()
    token = getattr(action_view, "_audit_bulk_token", None)
    if token is not None:
        _bulk.reset(token)
    for user in get_user_model()._base_manager.filter(pk__in=list(before)).order_by("pk"):
        if user.pk in seen or before[user.pk] == user.is_active:
            continue  # recorded on save, or unchanged
        _record("user.activate" if user.is_active else "user.deactivate", user=user, details={"bulk": True})


# --- wiring ----------------------------------------------------------------------------


def connect():
    user_model = get_user_model()
    uid = "marketplace.account_audit."
    post_init.connect(user_initialised, sender=user_model, dispatch_uid=uid + "user_init")
    post_save.connect(user_saved, sender=user_model, dispatch_uid=uid + "user_save")
    post_delete.connect(user_deleted, sender=user_model, dispatch_uid=uid + "user_delete")
    m2m_changed.connect(user_groups_changed, sender=user_model.groups.through, dispatch_uid=uid + "groups")
    m2m_changed.connect(group_permissions_changed, sender=Group.permissions.through, dispatch_uid=uid + "perms")
    post_save.connect(group_saved, sender=Group, dispatch_uid=uid + "group_save")
    post_delete.connect(group_deleted, sender=Group, dispatch_uid=uid + "group_delete")
    user_logged_in.connect(signed_in, dispatch_uid=uid + "signed_in")
    user_locked_out.connect(lockout_started, dispatch_uid=uid + "lockout_started")

    from wagtail import hooks

    hooks.register("before_bulk_action", before_bulk_action)
    hooks.register("after_bulk_action", after_bulk_action)
