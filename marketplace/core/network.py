"""The client's address, for the sign-in lockout (django-axes,
``AXES_CLIENT_IP_CALLABLE``) and every per-address throttle: one function,
so that no limit can be dodged by one door reading the address differently.

``X-Forwarded-For`` is read only when ``TRUSTED_PROXY_HOPS`` (environment
``DJANGO_TRUSTED_PROXY_HOPS``; 1 by default when ``DJANGO_BEHIND_TLS_PROXY``
is on, otherwise 0) says that many reverse proxies stand in front, each
appending the address it received the request from.  The client is then the
right-most address no trusted proxy wrote: the ``TRUSTED_PROXY_HOPS``-th
from the right.  Whatever the client itself put into the header stays to the
left of it and is never read, so a client cannot choose its own address.
Without a proxy the header is ignored altogether: anyone can send it.

Every value is parsed with ``ipaddress`` (a port or an IPv6 zone is
dropped); anything that is not an address (``unknown``, a host name, text
meant to break a query) falls back to ``REMOTE_ADDR``, and an invalid
``REMOTE_ADDR`` gives ``""``.  So only a valid address ever reaches the
lockout's ``GenericIPAddressField`` (an ``inet`` column on PostgreSQL).
"""

import ipaddress

from django.conf import settings


def parse_address(value):
    """``value`` as a normalised address string, or ``""`` when it is not one."""
    text = str(value or "").strip()
    if not text or len(text) > 64:
        return ""
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:51234
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]  # fe80::1%eth0: the zone means nothing to us
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:203.0.113.7 is 203.0.113.7
    return str(address)


def trusted_proxy_hops():
    try:
        return max(0, int(getattr(settings, "TRUSTED_PROXY_HOPS", 0) or 0))
    except (TypeError, ValueError):
        return 0


def client_ip(request):
    """The client's address (see the module docstring), or ``""``."""
    remote = parse_address(request.META.get("REMOTE_ADDR", ""))
    hops = trusted_proxy_hops()
    if hops:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            address = parse_address(forwarded[-hops])
            if address:
                return address
    return remote
