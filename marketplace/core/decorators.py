"""The one way a view says who may open it.  ``user_passes(test)`` sends an
anonymous visitor to the sign-in page and refuses (403) a signed-in user for
whom ``test(user)`` is false; the tests come from the domains'
``permissions.py`` so a page and its service ask the same question."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from marketplace.core.permissions import is_officer


def user_passes(test):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


#: procurement officers only
officer_required = user_passes(is_officer)
