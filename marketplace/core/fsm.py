"""Asking a state machine, with the reason when it says no.

django-fsm's ``can_proceed`` and ``has_transition_perm`` answer yes or no.
Users need to know why not, so the platform's guards carry their reason:

    @guard(_("The challenge period is still running."), code="challenge_period")
    def challenge_period_over(project):          # a pure function of the aggregate
        ...

    @transition(field=state, source=..., target=..., conditions=[challenge_period_over],
                permission=permissions.may_award)   # (instance, user) -> bool

A ``permission`` callable may return a ``Decision`` (see core.permissions),
whose reason is used when it refuses.

``refusal(obj.award, user)`` gives None when the step may be taken now, else a
``(message, code)``: first "not from this state", then the first failing
condition, then the actor rule.  ``require(obj.award, user, Error)`` raises it
as the domain's error; services call it inside their transaction, after the
lock, and views and templates call ``refusal``/``available`` to decide which
buttons to show: the same question, so a button shows exactly when the
service would accept."""

from django.utils.translation import gettext_lazy as _


def guard(message, code):
    """Mark a condition function with the reason it gives when it fails."""

    def decorate(function):
        function.refusal_message = message
        function.refusal_code = code
        return function

    return decorate


def _meta(bound_method):
    meta = getattr(bound_method, "_django_fsm", None)
    if meta is None:
        raise TypeError(f"{bound_method.__name__} is not a state transition")
    return meta, bound_method.__self__


def refusal(bound_method, user=None, *, state_message=None):
    """None if the transition may run now (for ``user``, when given), else
    ``(message, code)``."""
    meta, instance = _meta(bound_method)
    current = meta.field.get_state(instance)
    transition = meta.get_transition(current) if meta.has_transition(current) else None
    if transition is None:
        return (state_message or _("This step is not possible in the current state."), "state")
    for condition in transition.conditions:
        if not condition(instance):
            return (
                getattr(condition, "refusal_message", None) or _("This step is not possible now."),
                getattr(condition, "refusal_code", condition.__name__),
            )
    if user is not None and transition.permission is not None:
        if callable(transition.permission):
            decision = transition.permission(instance, user)
        else:
            decision = transition.has_perm(instance, user)
        if not decision:
            reason = getattr(decision, "reason", "") or _("You may not take this step.")
            return (reason, "permission")
    return None


def allowed(bound_method, user=None):
    return refusal(bound_method, user) is None


def require(bound_method, user, error_class, *, state_message=None):
    """Raise ``error_class(message, code=code)`` when the step may not run."""
    refused = refusal(bound_method, user, state_message=state_message)
    if refused is not None:
        message, code = refused
        raise error_class(message, code=code)


def available(instance, user, names):
    """The subset of transition method ``names`` that ``user`` may take on
    ``instance`` now: what ``available_actions`` functions build on."""
    return {name for name in names if refusal(getattr(instance, name), user) is None}
