"""The site's routes plus two that fail on purpose (tests/cms/test_error_pages.py)."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("a view that fails (test)")


def refused(request):
    raise PermissionDenied


def broken_context_processor(request):
    raise RuntimeError("a context processor that fails (test)")


urlpatterns = [
    path("_test/broken/", broken),
    path("_test/refused/", refused),
    *site_urlpatterns,
]
