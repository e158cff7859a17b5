from wagtail.users.apps import WagtailUsersAppConfig


class PlatformUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user management with the platform's escalation guards
    (marketplace.users_admin)."""

    user_viewset = "marketplace.users_admin.PlatformUserViewSet"
