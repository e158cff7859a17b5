"""The payment pages.

- /work/payments/ (namespace ``payments``): procurement and finance officers
  read every payment; finance officers approve, release, retry and record
  the bank's reference, officers and finance officers cancel a request.
  Each step's button shows exactly when ``permissions`` allows it, else the
  reason (e.g. "You accepted this milestone: another finance officer pays
  it").  Money steps ask for password and code again (``reauth_required``).
- /org/<pk>/payments/ (namespace ``orgpayments``): an organization's
  payments and the bank account it is paid into (its administrator
  registers it; shown masked)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from contracts.payments import forms, gateways, permissions, selectors, services
from marketplace.core.actions import run_action
from marketplace.core.decorators import user_passes
from marketplace.core.errors import DomainError
from marketplace.core.reauth import reauth_required
from marketplace.organizations.models import Organization
from marketplace.organizations.permissions import can_administer, is_member
from marketplace.procurement.views.projects import pdf_response

viewer_required = user_passes(permissions.can_view_payments)
PER_PAGE = 25


@never_cache
@viewer_required
def index(request):
    form = forms.PaymentFilter(request.GET or {"state": forms.PaymentFilter.WAITING})
    state, q = forms.PaymentFilter.WAITING, ""
    if form.is_valid():
        state, q = form.cleaned_data["state"], form.cleaned_data["q"].strip()
    page = Paginator(selectors.filtered(state, q), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "contracts/payments/index.html",
        {
            "filter_form": form,
            "page": page,
            "filtered": bool(q) or state != forms.PaymentFilter.WAITING,
            "querystring_base": f"{query.urlencode()}&" if query else "",
            "is_finance": permissions.is_finance(request.user),
        },
    )


@never_cache
@viewer_required
def funds_dashboard(request):
    """Budget, committed, disbursed and remaining per department, community
    and organization for a fund year, from the ledger; payments waiting,
    with their lights."""
    from contracts.payments import funds, public

    years = funds.years()
    form = forms.FundsFilter(request.GET or None, years=years)
    year = form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year
    remaining = _("Remaining (CNY)")
    tables = []
    for key, title, name_label, budget_label, remaining_label, rows in (
        ("departments", _("By department"), _("Department"), _("Budget (CNY)"), remaining, funds.by_department(year)),
        (
            "communities",
            _("By community (against its annual fund)"),
            _("Community"),
            _("Fund (CNY)"),
            remaining,
            funds.by_community(year),
        ),
        (
            "organizations",
            _("By organization (against its signed contracts' sums)"),
            _("Organization"),
            _("Contract sums (CNY)"),
            _("Not to be paid (CNY)"),
            funds.by_organization(year),
        ),
    ):
        tables.append(
            {
                "key": key,
                "title": title,
                "name_label": name_label,
                "budget_label": budget_label,
                "remaining_label": remaining_label,
                "rows": rows,
                "total": funds.total(rows),
            }
        )
    return render(
        request,
        "contracts/payments/funds.html",
        {
            "filter_form": form,
            "year": year,
            "tables": tables,
            "waiting": funds.waiting_payments(),
            "waiting_days": funds.waiting_days(),
            "announcements": public.announcements(year),
        },
    )


def _load(pk):
    return get_object_or_404(selectors.payments(), pk=pk)


def _detail(request, payment, bound=None, status=200):
    bound = bound or {}
    actions = permissions.available_actions(request.user, payment)
    return render(
        request,
        "contracts/payments/detail.html",
        {
            "payment": payment,
            "contract": payment.contract,
            "milestone": payment.milestone,
            "account": selectors.payee_account(payment.contract.organization),
            "actions": actions,
            "record_form": bound.get("record_paid") or forms.RecordPaidForm(initial={"paid_on": timezone.localdate()}),
            "cancel_form": bound.get("cancel") or forms.CancelForm(),
            "returned_form": bound.get("record_returned") or forms.ReturnedForm(),
            "ledger": selectors.ledger_of(payment.contract),
            "balances": selectors.balances(payment.contract),
            "is_finance": permissions.is_finance(request.user),
        },
        status=status,
    )


@never_cache
@viewer_required
def detail(request, pk):
    return _detail(request, _load(pk))


def _act(request, pk, key, form, call, success):
    payment = _load(pk)
    return run_action(
        request,
        form,
        lambda form: call(payment, form),
        success=success,
        done=reverse("payments:detail", args=[payment.pk]),
        again=lambda bound: _detail(request, payment, {key: bound}, status=400),
    )


def _money_step(key, form_class, call, success):
    """The view of one money step (``key``, as in ``permissions.ACTIONS``):
    a POST, password and code again, the service ``call(payment, form, by)``,
    the payment page again with the form's errors when refused."""

    @never_cache
    @viewer_required
    @require_POST
    @reauth_required
    def view(request, pk):
        form = form_class(request.POST)
        return _act(request, pk, key, form, lambda payment, form: call(payment, form, request.user), success)

    view.__name__ = view.__qualname__ = key
    return view


approve = _money_step(
    "approve",
    forms.StepForm,
    lambda payment, form, by: services.approve(payment, by=by),
    gettext_lazy("The payment is approved; release it to send it to the treasury."),
)
reapprove = _money_step(
    "reapprove",
    forms.StepForm,
    lambda payment, form, by: services.reapprove(payment, by=by),
    gettext_lazy("The payment is approved again, for the organization's new account."),
)
release = _money_step(
    "release",
    forms.StepForm,
    lambda payment, form, by: services.release(payment, by=by),
    gettext_lazy("The payment is released: the gateway is being called. This page shows the result."),
)
retry = _money_step(
    "retry",
    forms.StepForm,
    lambda payment, form, by: services.retry(payment, by=by),
    gettext_lazy("The payment is being sent again, with the same key: it cannot be paid twice."),
)
record_paid = _money_step(
    "record_paid",
    forms.RecordPaidForm,
    lambda payment, form, by: services.record_paid(
        payment, by=by, reference=form.cleaned_data["reference"], paid_on=form.cleaned_data["paid_on"]
    ),
    gettext_lazy("The payment is recorded as paid."),
)
record_returned = _money_step(
    "record_returned",
    forms.ReturnedForm,
    lambda payment, form, by: services.record_returned(payment, by=by, reason=form.cleaned_data["reason"]),
    gettext_lazy("The payment is recorded as returned by the bank; the organization is told to check its account."),
)
cancel = _money_step(
    "cancel",
    forms.CancelForm,
    lambda payment, form, by: services.cancel(payment, by=by, reason=form.cleaned_data["reason"]),
    gettext_lazy("The payment request is cancelled."),
)


@never_cache
@viewer_required
def voucher(request, pk):
    """The voucher shows the payee's full account: finance officers only."""
    if not permissions.is_finance(request.user):
        raise PermissionDenied
    payment = _load(pk)
    if not payment.voucher:
        raise Http404
    return pdf_response(payment.voucher, f"{payment.gateway_reference or payment.pk}.pdf")


# --- the organization's side ---------------------------------------------------------------------------


def member_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, pk, *args, **kwargs):
        organization = Organization.objects.filter(pk=pk).first()
        if organization is None or not is_member(request.user, organization):
            raise Http404
        return view(request, organization, *args, **kwargs)

    return wrapped


def _org_page(request, organization, form=None, stripe_form=None, status=200):
    return render(
        request,
        "contracts/payments/org_index.html",
        {
            "organization": organization,
            "account": selectors.payee_account(organization),
            "payments": list(selectors.organization_payments(organization)[:200]),
            "form": form or forms.PayeeAccountForm(request=request),
            "stripe_form": stripe_form or forms.StripeOnboardingForm(request=request),
            "stripe_enabled": gateways.configured_name() == "stripe",
            "is_admin": bool(can_administer(request.user, organization)),
        },
        status=status,
    )


@never_cache
@member_required
def org_index(request, organization):
    return _org_page(request, organization)


@never_cache
@member_required
@require_POST
@reauth_required(reentry_field="password")
def org_account(request, organization):
    if not can_administer(request.user, organization):
        raise PermissionDenied
    form = forms.PayeeAccountForm(request.POST, request=request)
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in ("bank_name", "account_name", "account_number")}
        try:
            services.save_payee_account(organization, by=request.user, **data)
        except DomainError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _(
                    "The account is saved. Payments approved from now on are made into it; a payment approved "
                    "before is approved again by the finance office first."
                ),
            )
            return redirect("orgpayments:index", organization.pk)
    return _org_page(request, organization, form=form, status=400)


def _stripe_urls(request, organization):
    return {
        "refresh_url": request.build_absolute_uri(reverse("orgpayments:stripe_refresh", args=[organization.pk])),
        "return_url": request.build_absolute_uri(reverse("orgpayments:stripe_return", args=[organization.pk])),
    }


def _admin_only(request, organization):
    if not can_administer(request.user, organization):
        raise PermissionDenied
    if gateways.configured_name() != "stripe":
        raise Http404


@never_cache
@member_required
@require_POST
@reauth_required(reentry_field="stripe-password")
def org_stripe(request, organization):
    """Start (or resume) Stripe's onboarding: a link to Stripe's hosted page."""
    _admin_only(request, organization)
    form = forms.StripeOnboardingForm(request.POST, request=request)
    if form.is_valid():
        try:
            link = services.start_stripe_onboarding(
                organization, by=request.user, **_stripe_urls(request, organization)
            )
        except (DomainError, gateways.GatewayError) as error:
            form.add_error(None, getattr(error, "message", str(error)))
        else:
            # A page with the link rather than a redirect: the site's CSP (form-action 'self')
            # does not let a form's answer lead to another site, and the user sees where they go.
            return render(
                request, "contracts/payments/stripe_continue.html", {"organization": organization, "link": link}
            )
    return _org_page(request, organization, stripe_form=form, status=400)


@never_cache
@member_required
def org_stripe_refresh(request, organization):
    """Stripe's ``refresh_url`` (the link expired or was used): back to the
    payments page, whose form asks for the password before a new link."""
    _admin_only(request, organization)
    messages.info(request, _("Stripe's link has expired: continue the onboarding from here."))
    return redirect(f"{reverse('orgpayments:index', args=[organization.pk])}#stripe")


@never_cache
@member_required
def org_stripe_return(request, organization):
    """Stripe's ``return_url``: read the account's status back from Stripe."""
    _admin_only(request, organization)
    try:
        account = services.refresh_stripe_status(organization, by=request.user)
    except gateways.GatewayError as error:
        messages.error(request, error.message)
    else:
        if account is not None and account.stripe_ready:
            messages.success(request, _("Stripe can pay this organization now."))
        else:
            messages.info(request, _("Stripe has not enabled transfers yet: this page shows the status when it does."))
    return redirect(f"{reverse('orgpayments:index', args=[organization.pk])}#stripe")
