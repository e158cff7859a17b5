"""Placeholder, replaced by the organizations' bidding views."""
from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


calls = bids = bid = ask = submit = withdraw = document = remove_document = receipt = receipt_pdf = receipt_json = _todo
