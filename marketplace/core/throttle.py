"""Counting attempts per key in a time window, in Django's cache (shared by
all web processes when CACHE_URL points at Redis)."""

import hashlib

from django.core.cache import cache


class Throttle:
    def __init__(self, name, *, limit, window_seconds):
        self.name = name
        self.limit = limit
        self.window = window_seconds

    def _key(self, key):
        digest = hashlib.sha256(str(key).encode("utf-8")).hexdigest()[:32]
        return f"throttle:{self.name}:{digest}"

    def count(self, key):
        return cache.get(self._key(key), 0)

    def blocked(self, key):
        return self.count(key) >= self.limit

    def hit(self, key):
        """Count one attempt; the window starts at the first one."""
        cache_key = self._key(key)
        if cache.add(cache_key, 1, self.window):
            return 1
        try:
            return cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, self.window)
            return 1

    def reset(self, key):
        cache.delete(self._key(key))


def client_ip(request):
    """The client's address: ``marketplace.core.network.client_ip``, the one
    function the sign-in lockout uses too (X-Forwarded-For only behind a
    configured proxy, always a valid address or "")."""
    from marketplace.core.network import client_ip as _client_ip

    return _client_ip(request)
