"""The language a person reads the platform's messages in.

The interface language of a request is chosen by the language cookie
(``core/middleware.py``); this module is about *people*: a signed-in user's
choice is kept in Wagtail's ``UserProfile.preferred_language`` (no field of
our own; the Wagtail admin reads the same choice), recorded when they use the
language switcher (``account_views.set_language``) and when they sign up
(``accounts.sign_up``).  Notifications (``core/notifications.py``) are
rendered in each recipient's language."""

from django.conf import settings
from django.utils import translation


def supported(code):
    """``code`` as one of ``settings.LANGUAGES`` (e.g. ``"zh-hans"``), or None."""
    if not code:
        return None
    try:
        code = translation.get_supported_language_variant(str(code))
    except LookupError:
        return None
    return code if code in dict(settings.LANGUAGES) else None


def current():
    """The language active now (the request's, when one is being served),
    else the platform's."""
    return supported(translation.get_language()) or settings.LANGUAGE_CODE


def languages_of(users):
    """``{user pk: language}`` for ``users``, in one query: the language each
    chose, and for one who never chose, the language active now (as Wagtail's
    ``UserProfile.get_preferred_language`` does, without creating profiles)."""
    from wagtail.users.models import UserProfile

    pks = [user.pk for user in users]
    chosen = dict(
        UserProfile.objects.filter(user_id__in=pks)
        .exclude(preferred_language="")
        .values_list("user_id", "preferred_language")
    )
    fallback = current()
    return {pk: supported(chosen.get(pk)) or fallback for pk in pks}


def language_of(user):
    return languages_of([user])[user.pk]


def remember(user, code):
    """Record ``code`` as ``user``'s language.  Returns whether it was kept
    (an anonymous visitor or an unsupported code is not)."""
    from wagtail.users.models import UserProfile

    code = supported(code)
    if code is None or user is None or not user.is_authenticated:
        return False
    profile = UserProfile.get_for_user(user)
    if profile.preferred_language != code:
        profile.preferred_language = code
        profile.save(update_fields=["preferred_language"])
    return True


def district_name(language=None):
    """The platform's district as a reader of ``language`` (the active one by
    default) names it: a place name is data, not UI text, so it is not in the
    message catalogue but in the settings (``PLATFORM_DISTRICT_NAME`` and,
    for English, ``PLATFORM_DISTRICT_NAME_EN``; without it English pages show
    the Chinese name)."""
    language = supported(language) or current()
    if language.startswith("en") and settings.PLATFORM_DISTRICT_NAME_EN:
        return settings.PLATFORM_DISTRICT_NAME_EN
    return settings.PLATFORM_DISTRICT_NAME
