from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo district (``manage.py seed_demo``): it imports every domain and
    nothing imports it."""

    name = "demo"
    verbose_name = "Demo district"
