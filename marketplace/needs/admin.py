"""Community funds in the Wagtail admin (shown in the catalogue's menu group)."""

from django.utils.translation import gettext_lazy
from wagtail.admin.viewsets.model import ModelViewSet

from marketplace.needs.models import CommunityFund


class CommunityFundViewSet(ModelViewSet):
    model = CommunityFund
    icon = "form"
    menu_label = gettext_lazy("Community funds")
    url_prefix = "community-funds"
    name = "community_funds"
    list_display = ["community", "year", "amount"]
    list_filter = ["year", "community"]
    form_fields = ["community", "year", "amount"]
    copy_view_enabled = False
