"""The secret that keys the audit chain.

The key comes from the environment (``AUDIT_HMAC_KEY``, see
config/settings.py) and is never written to the database, so someone who can
write to the database but cannot read the web servers' environment cannot
recompute an event's hash, the chain head's signature or a published daily
head.

Rotation: every event, chain head and published head records the id of the
key that made it (``AUDIT_HMAC_KEY_ID``).  To rotate, give the new key a new
id and move the old one to ``AUDIT_HMAC_PREVIOUS_KEYS`` (``id=key,…``); new
rows use the new key, older rows still verify with theirs.  Dropping an old
key makes the rows it made unverifiable, which the check reports by key id.
"""

import hashlib
import hmac

from django.conf import settings


class UnknownAuditKeyError(KeyError):
    """An event or head names a key id that is not configured."""


def current_key_id():
    return settings.AUDIT_HMAC_KEY_ID


def _keys():
    keys = dict(getattr(settings, "AUDIT_HMAC_PREVIOUS_KEYS", {}) or {})
    keys[settings.AUDIT_HMAC_KEY_ID] = settings.AUDIT_HMAC_KEY
    return keys


def known_key_ids():
    return sorted(_keys())


def hmac_hex(key_id, message):
    """HMAC-SHA256 of ``message`` (str) under the key named ``key_id``."""
    key = _keys().get(key_id)
    if not key:
        raise UnknownAuditKeyError(key_id)
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def hmac_matches(key_id, message, expected):
    """Whether ``expected`` is the HMAC of ``message``; False for an unknown key."""
    try:
        computed = hmac_hex(key_id, message)
    except UnknownAuditKeyError:
        return False
    return hmac.compare_digest(computed, str(expected or ""))


def pseudonym(purpose, value):
    """A short keyed digest of ``value`` (e.g. the name typed at a failed
    sign-in): repeated attempts on one name can be told apart from attempts
    on many, but the name itself cannot be read back from the audit log."""
    return hmac_hex(current_key_id(), f"{purpose}\x00{value}")[:20]
