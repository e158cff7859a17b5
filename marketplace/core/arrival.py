"""When a request reached Django, by the server clock.

``ArrivalMiddleware`` is the first middleware: it reads the clock before
anything else runs (sessions, authentication, the database) and keeps the
time on the request as ``request.arrived_at``.  Only the server sets it: a
client can send headers, never attributes of the request object, so a
service may rely on it (the bid services count a bid's deadline from it).

The stamp is the moment a web worker handed the request to Django; a request
still queued in the web server's listen backlog has not arrived yet, so the
number of web workers (and threads) must cover a deadline's crowd.
"""

from django.utils import timezone


class ArrivalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.arrived_at = timezone.now()
        return self.get_response(request)


def arrival(request):
    """The server time at which ``request`` reached Django (``None`` if the
    middleware did not run, e.g. a request built by hand in a test)."""
    return getattr(request, "arrived_at", None)
