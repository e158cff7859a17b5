from wagtail.users.apps import WagtailUsersAppConfig


class PlatformUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user and group management with the platform's escalation
    guards (marketplace.users_admin)."""

    user_viewset = "marketplace.users_admin.PlatformUserViewSet"
    group_viewset = "marketplace.users_admin.PlatformGroupViewSet"

    def ready(self):
        super().ready()
        from marketplace import users_admin

        users_admin.register_hooks()
