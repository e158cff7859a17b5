"""Ending every session of one account (after its second factor is reset).

The sessions live in the database (``SESSION_ENGINE`` ``db`` or
``cached_db``), so they are found by the user id stored in them and deleted
through the session store, which also clears ``cached_db``'s cache entry.
This leaves the password alone: someone who lost a phone has not lost the
password, and changing it (the other way to end sessions, through the
session hash) would also need a reset mail.

A session store that cannot be listed (``cache``, ``signed_cookies``) gets
the other way: the password becomes unusable, which ends every session
through Django's session hash check; the owner sets a new one through
"forgot password".  ``end_sessions`` says which way it took.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

SESSIONS_DELETED = "sessions_deleted"
PASSWORD_DISABLED = "password_disabled"  # noqa: S105 - a name of what was done, not a password


def _store_class():
    return import_module(settings.SESSION_ENGINE).SessionStore


def end_sessions(user):
    """End every session signed in as ``user``.  Returns ``(how, count)``:
    ``how`` is ``SESSIONS_DELETED`` (``count`` sessions) or
    ``PASSWORD_DISABLED`` (``count`` is 0)."""
    store_class = _store_class()
    get_model_class = getattr(store_class, "get_model_class", None)
    if get_model_class is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        return PASSWORD_DISABLED, 0
    wanted = str(user.pk)
    ended = 0
    live = get_model_class().objects.filter(expire_date__gt=timezone.now())
    for key, data in live.values_list("session_key", "session_data").iterator():
        store = store_class(session_key=key)
        if str(store.decode(data).get(SESSION_KEY)) == wanted:
            store.delete(key)
            ended += 1
    return SESSIONS_DELETED, ended
