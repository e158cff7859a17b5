"""User management in the Wagtail admin, closed against privilege escalation:
only a superuser can make or touch a superuser, and nobody can change their
own roles (separation of duties)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import users as wagtail_user_views


class _ActingUserFormMixin:
    def __init__(self, *args, acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user
        if acting_user is None or not acting_user.is_superuser:
            self.fields.pop("is_superuser", None)
        if acting_user is not None and self.instance.pk == acting_user.pk:
            self.fields.pop("groups", None)
            self.fields.pop("is_superuser", None)
        if "groups" in self.fields:
            self.fields["groups"].help_text = _("Nobody can change their own roles.")


class PlatformUserCreationForm(_ActingUserFormMixin, UserCreationForm):
    pass


class PlatformUserEditForm(_ActingUserFormMixin, UserEditForm):
    pass


def _refuse_superuser_target(request, target):
    if target.is_superuser and not request.user.is_superuser:
        raise PermissionDenied


class CreateView(wagtail_user_views.CreateView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "acting_user": self.request.user}


class EditView(wagtail_user_views.EditView):
    def dispatch(self, request, *args, **kwargs):
        _refuse_superuser_target(request, self.object)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "acting_user": self.request.user}


class DeleteView(wagtail_user_views.DeleteView):
    def dispatch(self, request, *args, **kwargs):
        _refuse_superuser_target(request, self.get_object())
        return super().dispatch(request, *args, **kwargs)


class PlatformUserViewSet(wagtail_user_views.UserViewSet):
    add_view_class = CreateView
    edit_view_class = EditView
    delete_view_class = DeleteView

    def get_form_class(self, for_update=False):
        return PlatformUserEditForm if for_update else PlatformUserCreationForm
