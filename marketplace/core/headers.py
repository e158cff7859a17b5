"""Response headers that every page and every file carries.

- ``ContentSecurityPolicyMiddleware``: django-csp's middleware with one policy
  for the site (``CONTENT_SECURITY_POLICY``, strict: the site has no scripts)
  and another for the Wagtail admin (``CONTENT_SECURITY_POLICY_ADMIN``: the
  admin runs its own scripts, some of them inline).  A response that already
  has a policy (the documents below) keeps it.
- ``SecurityHeadersMiddleware``: ``Permissions-Policy`` on every response
  (the platform uses no camera, microphone, location, payment...), the
  document policy on files served by Wagtail's document view, and
  ``Cache-Control: private, no-store`` on every page a signed-in user gets
  that does not set its own caching (it shows their personal data).
- ``protect_document``: how every stored or generated document is served,
  never sniffed: an uploaded file as an attachment inside a sandbox with
  nothing allowed (``DOCUMENT_CSP``); a PDF the platform made itself from
  its own data inline, allowed to load nothing (``GENERATED_CSP``) but
  without ``sandbox``, which some built-in PDF viewers (Safari's) answer
  with a blank page.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings
from django.utils.http import content_disposition_header

DOCUMENT_CSP = "sandbox; default-src 'none'"
GENERATED_CSP = "default-src 'none'; frame-ancestors 'none'"

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)

# URL names of Wagtail's document download view.
WAGTAIL_DOCUMENT_VIEWS = {"wagtaildocs_serve"}


def admin_prefix():
    return getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN_PREFIX", "/admin/")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        admin_policy = getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN", None)
        if not report_only and parts.config is None and admin_policy and request.path_info.startswith(admin_prefix()):
            return PolicyParts(
                default_config(admin_policy.get("DIRECTIVES", {})), parts.update, parts.replace, parts.nonce
            )
        return parts


def protect_document(response, *, attachment, filename=None):
    """Serve ``response`` (a document) never sniffed; as a sandboxed
    attachment when ``attachment`` (every uploaded file), else inline (a PDF
    the platform generated) with a policy that lets it load nothing."""
    response["Content-Security-Policy"] = DOCUMENT_CSP if attachment else GENERATED_CSP
    response["X-Content-Type-Options"] = "nosniff"
    if attachment:
        disposition = response.get("Content-Disposition", "")
        if filename is None and "filename" in disposition:
            response["Content-Disposition"] = "attachment" + disposition[disposition.index(";") :]
        else:
            response["Content-Disposition"] = content_disposition_header(True, filename or "document")
    return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if "Cache-Control" not in response and user is not None and user.is_authenticated:
            # A signed-in page shows its reader's name, roles and data: never keep it in a shared
            # cache or on disk.  Views that say otherwise (never_cache, cache_control) keep theirs.
            response["Cache-Control"] = "private, no-store"
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in WAGTAIL_DOCUMENT_VIEWS and response.status_code == 200:
            protect_document(response, attachment=True)
        return response
