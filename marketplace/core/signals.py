"""Receivers: every django-fsm transition in the project writes an audit event."""

from django.db import connection
from django.dispatch import receiver
from django_fsm.signals import post_transition

from marketplace.core.audit import record_event


@receiver(post_transition, dispatch_uid="marketplace.audit_transition")
def audit_transition(sender, instance, name, source, target, **kwargs):
    """Services call transitions as ``obj.verb(by=user, reason="…")``; the
    actor and reason come from those keyword arguments."""
    if not connection.in_atomic_block:
        # The event would commit even if the caller's save() then failed.
        raise RuntimeError("Run FSM transitions inside a service's transaction.atomic().")
    method_kwargs = kwargs.get("method_kwargs") or {}
    details = {"field": kwargs["field"].name} if kwargs.get("field") is not None else {}
    for key, value in method_kwargs.items():
        # Terms of the transition beyond who and why (e.g. a blacklisting's end date).
        if key not in ("by", "reason") and value is not None:
            details[key] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if kwargs.get("exception") is not None:
        details["exception"] = repr(kwargs["exception"])
    record_event(
        f"{instance._meta.model_name}.{name}",
        actor=method_kwargs.get("by"),
        obj=instance,
        from_state=str(source),
        to_state=str(target),
        reason=method_kwargs.get("reason", ""),
        details=details,
    )
