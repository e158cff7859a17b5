"""``{{ project.deadline|exact_time }}``: a deadline as it decides, in Beijing
time: "2026-12-06 17:00", with the seconds when it has any
("2026-12-06 17:00:30"), so a reader never rounds a deadline that a bid
could miss by seconds."""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def exact_time(value):
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    pattern = "Y-m-d H:i" if value.second == 0 and value.microsecond == 0 else "Y-m-d H:i:s"
    return date_format(value, pattern)
