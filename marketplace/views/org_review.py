"""Placeholder: being written."""

def queue(request, *args, **kwargs):
    raise NotImplementedError


def detail(request, *args, **kwargs):
    raise NotImplementedError


def document_file(request, *args, **kwargs):
    raise NotImplementedError


def return_for_changes(request, *args, **kwargs):
    raise NotImplementedError


def approve(request, *args, **kwargs):
    raise NotImplementedError


def suspend(request, *args, **kwargs):
    raise NotImplementedError


def reinstate(request, *args, **kwargs):
    raise NotImplementedError


def blacklist(request, *args, **kwargs):
    raise NotImplementedError
