"""Placeholder, replaced by the officers' workbench views."""
from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


index = create = detail = edit = submit = approve = return_project = cancel = documents = _todo
addendum = answer = retender = bid = _todo
