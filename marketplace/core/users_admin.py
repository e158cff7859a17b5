"""User and group management in the Wagtail admin, closed against privilege
escalation.  The rules, applied by every view and bulk action that reads or
changes a user or a group:

- only a superuser makes, sees the history of, or touches a superuser;
- nobody changes their own roles or their own active state (separation of
  duties), by the edit form, a bulk action or a copy;
- only a superuser creates, edits or deletes a group: a group's permissions
  are the platform's roles (``marketplace.core.roles``), so editing one is granting
  every member new rights; platform administrators assign the roles that
  exist, they do not define new ones;
- only a superuser sets another account's password, or the e-mail address
  and user name of an account with a second-factor role; nobody sets their
  own password here (``PlatformUserEditForm``).  A platform administrator
  still gives a new account its first password and existing roles (their
  job): the account is new, with no history to take over;
- creating or changing an account needs a fresh password + code
  (``core.reauth.reauth_required``).

Wagtail's user "copy" view is switched off: it built the creation form with
the source user as the form's instance, so saving it overwrote the source.
Every change goes through ``Model.save()`` / ``groups.add()`` one user at a
time, so the account-audit receivers see each one.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.views.generic import history as generic_history
from wagtail.admin.views.generic import usage as generic_usage
from wagtail.models import ModelLogEntry
from wagtail.models.audit_log import ModelLogEntryManager
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.utils import change_user_perm, user_can_delete_user
from wagtail.users.views import groups as wagtail_group_views
from wagtail.users.views import users as wagtail_user_views
from wagtail.users.views.bulk_actions import AssignRoleBulkAction, DeleteBulkAction, SetActiveStateBulkAction

from marketplace.core import twofactor
from marketplace.core.reauth import reauth_required

User = get_user_model()

# --- the rules -------------------------------------------------------------------


def can_manage_users(actor):
    """May open user management at all (and read user/group log entries)."""
    return bool(actor is not None and actor.is_active and (actor.is_superuser or actor.has_perm(change_user_perm)))


def can_touch_user(actor, target):
    """May see or change this account (its history, its form)."""
    if not can_manage_users(actor):
        return False
    return not target.is_superuser or actor.is_superuser


def can_change_roles(actor, target):
    """May change this account's roles or active state."""
    return can_touch_user(actor, target) and actor.pk != target.pk


def can_delete_user(actor, target):
    return can_change_roles(actor, target) and user_can_delete_user(actor, target)


def holds_second_factor_role(target):
    """The account has a role that needs a second factor, or has a second
    factor.  Unlike ``twofactor.requires_second_factor`` (``has_perm``) this
    does not depend on ``is_active``: deactivating an officer must not open
    their credentials to editing."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q
    from django_otp import devices_for_user

    if target.is_superuser:
        return True
    if next(devices_for_user(target, confirmed=None), None) is not None:
        return True
    names = [perm.split(".", 1) for perm in twofactor.SECOND_FACTOR_PERMISSIONS]
    wanted = Q()
    for app_label, codename in names:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(wanted).filter(Q(group__user=target) | Q(user=target)).exists()


def can_edit_groups(actor):
    return bool(actor is not None and actor.is_active and actor.is_superuser)


def _refuse_superuser_target(request, target):
    if not can_touch_user(request.user, target):
        raise PermissionDenied


# --- forms -----------------------------------------------------------------------


class _ActingUserFormMixin:
    def __init__(self, *args, acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user
        if acting_user is None or not acting_user.is_superuser:
            self.fields.pop("is_superuser", None)
        if acting_user is not None and self.instance.pk == acting_user.pk:
            self.fields.pop("groups", None)
            self.fields.pop("is_superuser", None)
            self.fields.pop("is_active", None)
        if "groups" in self.fields:
            self.fields["groups"].help_text = _("Nobody can change their own roles.")

    @property
    def password_enabled(self):
        # Wagtail's ``save()`` reads ``password1`` only when this is true.
        return "password1" in self.fields and super().password_enabled

    def _drop_password_fields(self):
        self.fields.pop("password1", None)
        self.fields.pop("password2", None)


class PlatformUserCreationForm(_ActingUserFormMixin, UserCreationForm):
    """A new account gets its first password here.  The roles a platform
    administrator may give it are the ones they may give any other account
    (assigning existing roles is their job; see the module docstring)."""


class PlatformUserEditForm(_ActingUserFormMixin, UserEditForm):
    """An existing account's credentials are not the platform
    administrator's to set: setting an officer's password, or the e-mail
    address the password-reset link goes to, and then having the second
    factor reset, is taking the account over.  So:

    - the password fields are shown to superusers only, and never on one's
      own row (one changes one's own password at /accounts/password-change/,
      typing the old one, under the sign-in lockout);
    - the e-mail address and user name of an account with a second-factor
      role (officer, finance, platform administrator) are read-only unless
      the acting user is a superuser.
    """

    def __init__(self, *args, acting_user=None, **kwargs):
        super().__init__(*args, acting_user=acting_user, **kwargs)
        is_superuser = acting_user is not None and acting_user.is_superuser
        editing_self = acting_user is not None and self.instance.pk == acting_user.pk
        if editing_self or not is_superuser:
            self._drop_password_fields()
        if not is_superuser and self.instance.pk is not None and holds_second_factor_role(self.instance):
            for name in ("email", User.USERNAME_FIELD):
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _(
                        "Only a superuser changes the e-mail address or user name of an account with a second factor."
                    )


# --- user views ------------------------------------------------------------------


# Creating an account or changing one (roles, active state, credentials) is
# a step taken with a fresh password + code (``reauth_required``): a stolen,
# verified admin session cannot hand out roles.  The decorator wraps ``post``,
# so it runs after Wagtail's permission checks in ``dispatch``; it replays the
# form's fields except the password ones (a new account's password is typed
# again).


class CreateView(wagtail_user_views.CreateView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "acting_user": self.request.user}

    @method_decorator(reauth_required)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class EditView(wagtail_user_views.EditView):
    def dispatch(self, request, *args, **kwargs):
        _refuse_superuser_target(request, self.object)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "acting_user": self.request.user}

    @method_decorator(reauth_required)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class DeleteView(wagtail_user_views.DeleteView):
    def dispatch(self, request, *args, **kwargs):
        if not can_delete_user(request.user, self.get_object()):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class HistoryView(wagtail_user_views.HistoryView):
    def dispatch(self, request, *args, **kwargs):
        _refuse_superuser_target(request, self.get_object())
        return super().dispatch(request, *args, **kwargs)


class UsageView(generic_usage.UsageView):
    def dispatch(self, request, *args, **kwargs):
        _refuse_superuser_target(request, self.get_object())
        return super().dispatch(request, *args, **kwargs)


class PlatformUserViewSet(wagtail_user_views.UserViewSet):
    add_view_class = CreateView
    edit_view_class = EditView
    delete_view_class = DeleteView
    history_view_class = HistoryView
    usage_view_class = UsageView
    # The copy view saved the creation form over the source user (finding 1).
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return PlatformUserEditForm if for_update else PlatformUserCreationForm


# --- group views: superusers only --------------------------------------------------


class _SuperuserOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_edit_groups(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class GroupIndexView(wagtail_group_views.IndexView):
    def get_add_url(self):
        return super().get_add_url() if can_edit_groups(self.request.user) else None

    def get_edit_url(self, instance):
        return super().get_edit_url(instance) if can_edit_groups(self.request.user) else None

    @cached_property
    def columns(self):
        if can_edit_groups(self.request.user):
            return wagtail_group_views.IndexView.columns
        name = wagtail_group_views.IndexView.columns[0]
        return [TitleColumn("name", label=name.label, sort_key="name")]


class GroupCreateView(_SuperuserOnlyMixin, wagtail_group_views.CreateView):
    pass


class GroupEditView(_SuperuserOnlyMixin, wagtail_group_views.EditView):
    pass


class GroupDeleteView(_SuperuserOnlyMixin, wagtail_group_views.DeleteView):
    pass


class GroupHistoryView(_SuperuserOnlyMixin, generic_history.HistoryView):
    pass


class GroupUsageView(_SuperuserOnlyMixin, generic_usage.UsageView):
    pass


class PlatformGroupViewSet(wagtail_group_views.GroupViewSet):
    index_view_class = GroupIndexView
    add_view_class = GroupCreateView
    edit_view_class = GroupEditView
    delete_view_class = GroupDeleteView
    history_view_class = GroupHistoryView
    usage_view_class = GroupUsageView


# --- bulk actions on users ----------------------------------------------------------


class PlatformAssignRoleBulkAction(AssignRoleBulkAction):
    def check_perm(self, obj):
        return self.request.user.has_perm(change_user_perm) and can_change_roles(self.request.user, obj)

    @classmethod
    def execute_action(cls, objects, role=None, **kwargs):
        if role is None:
            return 0, 0
        for user in objects:
            user.groups.add(role)  # one m2m_changed per user, seen by the audit receivers
        return len(objects), 0


class PlatformSetActiveStateBulkAction(SetActiveStateBulkAction):
    def check_perm(self, obj):
        return self.request.user.has_perm(change_user_perm) and can_change_roles(self.request.user, obj)

    @classmethod
    def execute_action(cls, objects, mark_as_active=False, model=None, user=None, **kwargs):
        changed = 0
        for target in objects:
            if user is not None and target.pk == user.pk:
                continue
            if target.is_active != mark_as_active:
                target.is_active = mark_as_active
                target.save(update_fields=["is_active"])
            changed += 1
        return changed, 0


class PlatformDeleteBulkAction(DeleteBulkAction):
    def check_perm(self, obj):
        return can_delete_user(self.request.user, obj)

    @classmethod
    def execute_action(cls, objects, model=None, **kwargs):
        for target in objects:
            target.delete()
        return len(objects), 0


USER_BULK_RULES = {
    "assign_role": can_change_roles,
    "set_active_state": can_change_roles,
    "delete": can_delete_user,
}


def refuse_forbidden_user_bulk_actions(request, action_type, objects, action_class_instance):
    """Last line for any bulk action on users, whoever registered it: refuse the
    whole request if one of its objects breaks the rules."""
    if getattr(action_class_instance, "model", None) is not User:
        return None
    rule = USER_BULK_RULES.get(action_type, can_change_roles)
    if any(not rule(request.user, obj) for obj in objects):
        raise PermissionDenied
    return None


# --- log entries about users and groups ----------------------------------------------


class AccountLogEntryVisibilityManager(ModelLogEntryManager):
    """Wagtail shows a log entry to anyone holding any permission on its
    content type; the platform's business permissions (``manage_procurement``,
    ``evaluate``, ...) live on the User model, so every officer could read the
    user-admin entries in the site history.  Entries about users and groups
    are shown only to those who may manage users."""

    def viewable_by_user(self, user):
        from django.contrib.auth.models import Group
        from django.contrib.contenttypes.models import ContentType
        from django.db.models import CharField
        from django.db.models.functions import Cast

        queryset = super().viewable_by_user(user)
        if can_manage_users(user):
            if user.is_superuser:
                return queryset
            # Like ``HistoryView``: entries about a superuser's account are
            # for superusers only.
            user_type = ContentType.objects.get_for_model(User, for_concrete_model=False)
            superusers = User.objects.filter(is_superuser=True).annotate(key=Cast("pk", CharField())).values("key")
            return queryset.exclude(content_type=user_type, object_id__in=superusers)
        account_types = ContentType.objects.get_for_models(User, Group, for_concrete_models=False)
        return queryset.exclude(content_type__in=list(account_types.values()))


def register_hooks():
    # ``order`` puts these after Wagtail's own registrations, so they replace them
    # in the bulk action registry (keyed by model and action type).
    for action_class in (PlatformAssignRoleBulkAction, PlatformDeleteBulkAction, PlatformSetActiveStateBulkAction):
        hooks.register("register_bulk_action", action_class, order=100)
    hooks.register("before_bulk_action", refuse_forbidden_user_bulk_actions)
    # The model log's manager answers "which entries may this user see" for the
    # site history and every report built on it.
    ModelLogEntry.objects.__class__ = AccountLogEntryVisibilityManager
