"""The platform's URLs plus the floor (``/bench/floor/``): a trivial view
through the full middleware, the ceiling any public page can reach on this
machine (``bench/pages.py`` reports each page's requests per second as a
share of it)."""

from django.http import HttpResponse
from django.urls import include, path


def floor(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), path("", include("config.urls"))]
