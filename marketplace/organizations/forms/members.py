"""Forms of an organization's members: inviting someone, changing a role."""

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.core.forms import ServiceErrorMixin
from marketplace.organizations.models import Membership


class InviteForm(ServiceErrorMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        error_messages={
            "required": _("Enter the e-mail address to invite."),
            "invalid": _("This is not a valid e-mail address."),
        },
    )
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "off"})


class MemberRoleForm(ServiceErrorMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
