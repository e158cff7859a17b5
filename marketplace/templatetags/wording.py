"""Small wording helpers for templates.

``{% colon %}`` is the separator between a label and its value: ": " in
English, the full-width "：" in Chinese (a half-width colon after Chinese
text reads as a typo).  Written by hand: Django's i18n has no such tag."""

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.simple_tag
def colon():
    return pgettext("between a label and its value", ": ")
