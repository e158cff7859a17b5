from django.apps import AppConfig


class FsmAppConfig(AppConfig):
    name = "tests.fsm_app"
    label = "fsm_app"
    default_auto_field = "django.db.models.BigAutoField"
