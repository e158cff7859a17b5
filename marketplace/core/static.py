"""Static files on the development server (``runserver`` with DEBUG on).

Django's ``StaticFilesHandler`` turns only ``Http404`` into a response: a
path that climbs out of a static folder (``/static/../``,
``/static/%2e%2e/etc/passwd``) makes the finders raise
``SuspiciousFileOperation``, which escapes the handler and answers 500.  This
handler answers such a path with the same 404 as any missing file (and logs
it on the ``django.security`` logger, as Django does for suspicious
requests).  Production never uses it: there WhiteNoise serves the collected
files."""

import logging

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.exceptions import SuspiciousOperation
from django.core.handlers.exception import response_for_exception
from django.http import Http404

security_logger = logging.getLogger("django.security.SuspiciousFileOperation")


class SafeStaticFilesHandler(StaticFilesHandler):
    def get_response(self, request):
        try:
            return super().get_response(request)
        except SuspiciousOperation as exc:
            security_logger.warning("Refused static path %r: %s", request.path, exc)
            return response_for_exception(request, Http404("Not found"))
