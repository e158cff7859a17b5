"""What the public site reads about the audit log (issue 17, 8): the
signed daily heads ``publish_audit_head`` records, nothing else.  A head
holds a day, an event count, the newest event's id, its hash, the key's id
and the signature: no event, no actor, no personal data.  Read-only."""

import datetime
import re

from marketplace.core.audit import head_file_name, head_file_text
from marketplace.core.models.audit import AuditHeadPublication

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def published_heads():
    """Every published head, newest day first (a queryset, for paging)."""
    return AuditHeadPublication.objects.order_by("-day")


def parse_day(text):
    """``YYYY-MM-DD`` as a date, or None for anything else."""
    if not isinstance(text, str) or not _DAY.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def published_head(day):
    """The head published on ``day`` (a date or ``YYYY-MM-DD``), or None."""
    if not isinstance(day, datetime.date):
        day = parse_day(day)
    if day is None:
        return None
    return AuditHeadPublication.objects.filter(day=day).first()


def head_document(publication):
    """``(file name, text)``: the same file ``publish_head`` writes."""
    return head_file_name(publication.day), head_file_text(publication)
