"""Re-authentication before irreversible steps ("sudo mode").

``reauth_required`` wraps a view whose POST cannot be undone (project
approval, award, report confirmation, signing a contract, releasing a payment).
For a user who needs a second factor (``twofactor.requires_second_factor``)
the POST runs only if the user re-entered password and code within
``REAUTH_MINUTES``.  Otherwise the POST is refused (HTTP 403) with a page
that asks for password and code and carries everything else the user typed
in hidden fields; sending it checks the password (under the sign-in
lockout) and the code, then runs the original POST with the original
values - nothing typed is lost, and no JavaScript is needed.

A password field of the original form (``reentry_field``) is never carried
in a hidden field: the password typed on the re-authentication page is used
for it.

Which steps are irreversible (decided route by route; the lists are checked
against the URL conf by tests/security/test_auth_reauth_coverage.py, where a
new officer route must be put in one of them):

Irreversible - decorated:
- projects:approve - publishes the call.
- projects:intention - the purchase intention is public for good and starts
  the call's notice period.
- projects:cancel - a cancelled project never comes back.
- projects:addendum - published to every bidder, may move the deadline.
- projects:answer - the answer is published on the call page for good.
- projects:retender - the failed project's needs move to the copy; it
  cannot be re-tendered again while the copy lives.
- projects:committee - the random draw is recorded and the project moves
  to evaluation; a draw cannot be taken again.
- projects:appoint - a member appointed by name cannot be un-appointed.
- projects:qualification - too few qualified bids fail the project.
- projects:award, projects:decline, projects:disqualify - the award and
  the next-in-line ranking cannot be taken back.
- projects:challenge_answer, projects:challenge_decide - the formal answer
  and decision of a challenge are final.
- orgreview:approve - lists the organization publicly and lets it bid (a
  suspension is a different step, not an undo).
- orgreview:blacklist - no officer lifts it; only its end date does.
- orgreview:confirm_registration - there is no un-confirming.
- work:decide - accepting a need commits the community's fund (possibly
  over it), declining is final; both are public answers.
- evaluate:declare - a declared relationship withdraws the evaluator and
  draws a replacement.
- evaluate:confirm_report - the member's confirmation of the report.
- catalogue_admin:publish - the published version is immutable and
  supersedes the one before.
- method_changes:decide - an approved floor change takes effect at once.
- contracts:sign, orgcontracts:sign - the signature binds to the PDF's
  SHA-256 (the password is typed on the form itself: ``reentry_field``).
- orgpayments:account, orgpayments:stripe - where the organization's money
  goes: the bank account, Stripe's onboarding (the password is typed on
  the form itself: ``reentry_field``).
- contracts:amendment_confirm, orgcontracts:amendment_confirm - an
  amendment confirmed by both parties is in force.
- contracts:terminate - a terminated contract never comes back.
- milestone_evaluate:declare, milestone_evaluate:lock - the evaluator's
  declaration and the locked score sheet of a milestone are final.
- acceptance:decide, acceptance:approve_override - the acceptance (and
  the payable amount) or rejection of a milestone, the second officer's
  approval of an acceptance below the pass mark.
- acceptance:moderate - a resident's comment published or refused.
- payments:approve, payments:reapprove, payments:release, payments:retry,
  payments:record_paid, payments:record_returned, payments:cancel - money steps: an approval (again,
  for a payee's new account), a call to the gateway, a
  payment recorded as paid, a request cancelled for good.
- (fixA) the user administration in marketplace/core/admin.py and
  marketplace/core/users_admin.py.

Reversible - not decorated (nothing public or final until a decorated step):
- projects:create, projects:edit, projects:documents,
  projects:document_remove - a draft.
- projects:submit, projects:return - between the author and the second
  officer; the approval is the step that counts.
- projects:chair - the chair can be changed again.
- orgreview:return - the organization corrects and submits again.
- orgreview:suspend, orgreview:reinstate - each undoes the other.
- work:assess - nothing is committed until the decision.
- work:need_create, work:report_triage, work:report_decline - community
  workers (no second factor).
- contracts:draft, contracts:edit, contracts:send, the changes requests of
  both sides, contracts:amend (a proposal) and amendment_withdraw - nothing
  binds until both parties sign or confirm.
- acceptance:assign - the officer may assign another evaluator while none
  has locked a sheet.
- milestone_evaluate:score - the sheet is saved again until it is locked.
- evaluate:bid, evaluate:reopen, evaluate:confirm_deviation,
  evaluate:generate_report - the chair can reopen a sheet, which supersedes
  the report.
- catalogue_admin:version_create, catalogue_admin:version_import,
  catalogue_admin:retire - a draft version.
- the reference-data viewsets (catalogue items of a draft, entry standards,
  purchase methods - whose floors change through method_changes:decide -,
  evaluators) - edited again at any time.
"""

import functools
import time

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from marketplace.core import lockout, twofactor

SESSION_KEY = "security_reauth_at"
PREFIX = "reauth"


def max_age_seconds():
    return int(getattr(settings, "REAUTH_MINUTES", 10)) * 60


def mark_fresh(request):
    request.session[SESSION_KEY] = int(time.time())


def is_fresh(request):
    at = request.session.get(SESSION_KEY)
    return at is not None and int(time.time()) - int(at) <= max_age_seconds()


def applies(user):
    return twofactor.requires_second_factor(user)


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )
    code = forms.CharField(
        label=_("Code from your authenticator app, or a backup code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Enter the code.")},
    )

    def __init__(self, *args, request, **kwargs):
        kwargs.setdefault("prefix", PREFIX)
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        cleaned = super().clean()
        password, code = cleaned.get("password"), cleaned.get("code")
        if password is None or code is None:
            return cleaned
        user = self.request.user
        try:
            password_ok = lockout.check_password(self.request, user, password)
        except lockout.LockedOutError as exc:
            raise forms.ValidationError(exc.message, code="locked") from None
        if not password_ok:
            raise forms.ValidationError(_("The password or the code is not correct."), code="invalid")
        if twofactor.match_code(user, code) is None:
            raise forms.ValidationError(_("The password or the code is not correct."), code="invalid")
        return cleaned


def _pending(request, reentry_field):
    """The original POST's fields to carry, without the token, the
    re-authentication fields and any password."""
    skip_prefix = f"{PREFIX}-"
    pending = []
    for name, values in request.POST.lists():
        if name == "csrfmiddlewaretoken" or name.startswith(skip_prefix) or name == reentry_field:
            continue
        if "password" in name:
            continue
        pending.extend((name, value) for value in values)
    return pending


def render_reauth(request, form, *, reentry_field=None, status=403, action=None, next_url=""):
    return render(
        request,
        "marketplace/core/reauth.html",
        {
            "form": form,
            "pending": _pending(request, reentry_field) if request.method == "POST" else [],
            "action": action or request.get_full_path(),
            "next": next_url,
            "minutes": max_age_seconds() // 60,
        },
        status=status,
    )


def reauth_required(view=None, *, reentry_field=None):
    """Decorator: the view's POST needs a fresh re-authentication (see the
    module docstring).  GET requests pass through."""

    def decorate(view_func):
        @functools.wraps(view_func)
        def wrapped(request, *args, **kwargs):
            if request.method != "POST" or not applies(request.user) or is_fresh(request):
                return view_func(request, *args, **kwargs)
            if f"{PREFIX}-password" not in request.POST:
                return render_reauth(request, ReauthForm(request=request), reentry_field=reentry_field)
            form = ReauthForm(request.POST, request=request)
            if not form.is_valid():
                return render_reauth(request, form, reentry_field=reentry_field)
            mark_fresh(request)
            if reentry_field and not request.POST.get(reentry_field):
                request.POST = request.POST.copy()
                request.POST[reentry_field] = form.cleaned_data["password"]
            return view_func(request, *args, **kwargs)

        wrapped.reauth_required = True
        return wrapped

    if view is not None:
        return decorate(view)
    return decorate
