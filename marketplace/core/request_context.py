"""Who is acting, for code that has no request in hand (signal receivers that
write account audit events).

``RequestContextMiddleware`` puts the current request into a context
variable for the duration of the request (contextvars: correct for threads
and for async code alike).  Code outside a request (a management command, a
Celery task, the shell) can name the actor with ``acting_as(user)``.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_request = ContextVar("marketplace_current_request", default=None)
_actor = ContextVar("marketplace_current_actor", default=None)


class RequestContextMiddleware:
    """Must come after AuthenticationMiddleware (it reads ``request.user``
    lazily, when an event is written)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def current_request():
    return _request.get()


def current_actor():
    """The signed-in user acting now, or ``None`` (anonymous or no request)."""
    actor = _actor.get()
    if actor is not None:
        return actor
    request = _request.get()
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


def current_view_name():
    """The URL name of the current request's view (``"login"``,
    ``"wagtailadmin_login"``), never its path: paths can hold tokens."""
    request = _request.get()
    match = getattr(request, "resolver_match", None) if request is not None else None
    return (match.view_name or "")[:100] if match is not None else ""


def current_view_class():
    request = _request.get()
    match = getattr(request, "resolver_match", None) if request is not None else None
    if match is None:
        return None
    return getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)


@contextmanager
def acting_as(user):
    """Name the actor for account events written outside a request."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)
