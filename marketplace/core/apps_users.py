from wagtail.users.apps import WagtailUsersAppConfig


class PlatformUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user and group management with the platform's escalation
    guards (marketplace.core.users_admin)."""

    user_viewset = "marketplace.core.users_admin.PlatformUserViewSet"
    group_viewset = "marketplace.core.users_admin.PlatformGroupViewSet"

    def ready(self):
        super().ready()
        from marketplace.core import users_admin

        users_admin.register_hooks()
