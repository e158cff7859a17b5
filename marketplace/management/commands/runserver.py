"""``runserver`` as Django's staticfiles app has it, except that the static
files are served by a handler that answers a path escaping the static
folders with 404 instead of 500 (``marketplace.core.static``)."""

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.contrib.staticfiles.management.commands.runserver import Command as StaticfilesRunserverCommand

from marketplace.core.static import SafeStaticFilesHandler


class Command(StaticfilesRunserverCommand):
    def get_handler(self, *args, **options):
        handler = super().get_handler(*args, **options)
        if isinstance(handler, StaticFilesHandler) and not isinstance(handler, SafeStaticFilesHandler):
            # staticfiles wrapped the WSGI application: wrap it with the safe handler instead.
            return SafeStaticFilesHandler(handler.application)
        return handler
