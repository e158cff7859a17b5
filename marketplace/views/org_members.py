"""Placeholder: being written."""

def members(request, *args, **kwargs):
    raise NotImplementedError


def invite(request, *args, **kwargs):
    raise NotImplementedError


def revoke_invitation(request, *args, **kwargs):
    raise NotImplementedError


def accept_invitation(request, *args, **kwargs):
    raise NotImplementedError


def member(request, *args, **kwargs):
    raise NotImplementedError
