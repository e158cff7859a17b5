"""Small web helpers shared by the views."""

from urllib.parse import urlsplit, urlunsplit

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default="", *, value=None):
    """The address to go on to after a form: ``value`` if given, else the
    ``next`` field (POST, then the query string).  Only an address on this
    site passes - a path, or an absolute URL of this very host and scheme,
    as Django's ``url_has_allowed_host_and_scheme`` decides (so not
    ``//evil.example``, ``https://evil.example``, ``/\\evil`` or
    ``javascript:``) - and it is returned as a path; anything else gives
    ``default``."""
    if value is None:
        value = request.POST.get("next") or request.GET.get("next") or ""
    if not isinstance(value, str) or not value or len(value) > 2000:
        return default
    allowed = {request.get_host()}
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=allowed, require_https=request.is_secure()):
        return default
    parts = urlsplit(value)
    path = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    return path
