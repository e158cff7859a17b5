"""Demo payments (issue 16), with the ledger gateway: every organization
with a contract registers its bank account; the payments the demo
contracts' acceptances requested are then taken to every state, by the
`finance` account (who accepted nothing and signed nothing):

* one waits for approval: `org`'s 助餐 contract, milestone 1 (walk it as
  `finance`: approve, release, download the voucher, record the bank's
  reference);
* one approved, waiting for the release;
* one released: its disbursement instruction and voucher written, waiting
  for the bank's reference;
* one returned by the bank (failed: the account name did not match), to be
  sent again;
* the rest paid, with a bank reference."""

from django.utils import timezone

from contracts.payments import services
from contracts.payments.models import Payment
from demo import projects as demo_projects
from marketplace.models import Organization, User

BANKS = ["中国工商银行示范区支行", "中国建设银行示范区支行", "中国农业银行东城分理处", "中国银行南山支行"]


def _account_number(organization):
    return f"62220202{organization.pk:04d}{(organization.pk * 7919) % 10000000:07d}"


def _register_accounts():
    count = 0
    for index, organization in enumerate(
        Organization.objects.filter(contracts__isnull=False).distinct().order_by("pk")
    ):
        if hasattr(organization, "payee_account"):
            continue
        admin = demo_projects._member(organization)
        services.save_payee_account(
            organization,
            by=admin,
            bank_name=BANKS[index % len(BANKS)],
            account_name=organization.name,
            account_number=_account_number(organization),
        )
        count += 1
    return count


def _walk(payment, finance, target, day):
    if target in ("approved", "processing", "returned", "paid"):
        payment = services.approve(payment, by=finance)
    if target in ("processing", "returned", "paid"):
        payment = services.release(payment, by=finance)
        payment = services.process(payment.pk)  # the release task's work, now (the worker may not run yet)
    if target == "returned":
        services.record_returned(payment, by=finance, reason="收款户名与开户名称不符")
    if target == "paid":
        services.record_paid(payment, by=finance, reference=f"DEMO{day:%Y%m%d}{payment.pk:04d}", paid_on=day)


def seed_payments(stdout=None):
    """Take the requested demo payments to their demo states; return how many moved."""
    finance = User.objects.filter(username="finance", is_active=True).first()
    if finance is None:
        return 0
    registered = _register_accounts()
    waiting = list(Payment.objects.filter(state="requested").select_related("contract").order_by("pk"))
    if not waiting or Payment.objects.exclude(state="requested").exists():
        return registered  # seeded before: leave the finance officer's work as it is
    org_first = [p for p in waiting if p.contract.organization.memberships.filter(user__username="org").exists()]
    keep = org_first[0] if org_first else waiting[0]
    others = [p for p in waiting if p.pk != keep.pk]
    # at least one paid (the public page shows it): the returned one only when there are enough
    targets = ["approved", "processing", "returned"][: max(0, len(others) - 1)]
    targets += ["paid"] * (len(others) - len(targets))
    today = timezone.localdate()
    for payment, target in zip(others, targets, strict=False):
        _walk(payment, finance, target, today)
    if stdout is not None:
        stdout.write(
            f"Demo payments: {len(waiting)} requested, {len(others)} moved on ({registered} accounts registered)."
        )
    return registered + len(others)
