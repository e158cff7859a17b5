"""Placeholder: being written."""

def my_organizations(request, *args, **kwargs):
    raise NotImplementedError


def start(request, *args, **kwargs):
    raise NotImplementedError


def workspace(request, *args, **kwargs):
    raise NotImplementedError


def step(request, *args, **kwargs):
    raise NotImplementedError


def submit(request, *args, **kwargs):
    raise NotImplementedError


def upgrade(request, *args, **kwargs):
    raise NotImplementedError


def staff_qualification(request, *args, **kwargs):
    raise NotImplementedError


def documents(request, *args, **kwargs):
    raise NotImplementedError


def document_file(request, *args, **kwargs):
    raise NotImplementedError
