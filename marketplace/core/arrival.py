"""When a request reached the platform, by the server clock.

``ArrivalMiddleware`` is the first middleware: it reads the clock before
anything else runs (sessions, authentication, the database) and keeps the
time on the request as ``request.arrived_at``.  Only the server sets it: a
client can send headers, never attributes of the request object, so a
service may rely on it (the bid services count a bid's deadline from it;
a proxy's header is read only as described below).

By default the stamp is the moment a web worker handed the request to
Django; a request still queued in the web server's listen backlog has not
arrived yet, so the number of web workers must cover a deadline's crowd.

Behind a front proxy that stamps each request as it receives it
(``settings.ARRIVAL_PROXY_HEADER``, e.g. nginx's
``proxy_set_header X-Request-Start "t=${msec}";``, with
``ARRIVAL_QUEUE_SECONDS`` above 0 in every process) the arrival is the
proxy's stamp: a crowd that reaches the platform before the deadline is on
time even if the workers take a while to get to it.  Because a header comes
from outside, the stamp is used only within bounds: never later than now
(the proxy's clock may run ahead), and not when it is older than the queue
the opening waits for (``ARRIVAL_QUEUE_SECONDS``, and never more than
``BID_OPENING_GRACE`` leaves after a request's own time, so a grace set by
hand cannot be outrun); such a request is judged by when Django took it.
The setting must name a header the proxy overwrites on every request, and
the web processes must not be reachable except through the proxy: anyone who
can send it straight to them could date a request back by up to the queue.
The proxy's clock must be the servers' (NTP): a proxy running behind would
let a request in that late.
"""

import datetime

from django.conf import settings
from django.utils import timezone


def _proxy_stamp(request, now):
    """The proxy's stamp of ``request`` as an aware datetime, or ``None``
    (no header configured or sent, not a stamp, or out of bounds)."""
    header = getattr(settings, "ARRIVAL_PROXY_HEADER", "")
    # The longest a stamped request may have waited: the queue the opening's grace includes.
    queue = min(
        datetime.timedelta(seconds=max(0, settings.ARRIVAL_QUEUE_SECONDS)),
        settings.BID_OPENING_GRACE - datetime.timedelta(seconds=settings.WEB_REQUEST_TIMEOUT_SECONDS + 5),
    )
    if not header or queue <= datetime.timedelta(0):
        return None
    raw = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
    # nginx writes "t=1733550000.123"; a bare number of seconds is accepted too.
    text = raw.strip().removeprefix("t=")
    if not text or len(text) > 32:
        return None
    try:
        seconds = float(text)  # seconds since the epoch, as the proxy wrote them; not money
        stamp = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    except (ValueError, OverflowError, OSError):
        return None
    if now - stamp > queue:
        return None
    return min(stamp, now)


class ArrivalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = timezone.now()
        request.arrived_at = _proxy_stamp(request, now) or now
        return self.get_response(request)


def arrival(request):
    """The server time at which ``request`` reached the platform (``None`` if
    the middleware did not run, e.g. a request built by hand in a test)."""
    return getattr(request, "arrived_at", None)
