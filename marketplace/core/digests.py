"""Routine messages by e-mail once a day (the daily digest).

A message type may be declared **routine** (``notifications.declare(...,
routine=True)``): it asks for nothing at once, e.g. an organization submitted
for review, a question asked on a call (the officer's to-do page lists what
waits).  A user chooses on their account page how routine messages reach
them by e-mail: at once, or once a day in one digest
(``NotificationPreference``).  Whatever they chose, the in-site notice is
written at once, and messages that are not routine are e-mailed at once.

For a user who chose the digest, ``notifications.send`` keeps the routine
e-mail as a ``HeldMessage`` (its text as rendered for them, in their
language).  Once a day ``send_digests`` (the task
``marketplace.tasks.send_daily_digests``, see CELERY_BEAT_SCHEDULE) turns
each user's held messages into one e-mail: under lock it claims the rows
(``select_for_update(skip_locked=True)``), deletes them and writes one
``OutgoingMessage`` in the same transaction, whose id alone goes to the
broker after commit (``deliver_outgoing`` sends it once).  A second run finds
nothing left, so nothing is sent twice.

**The default.**  A user who never chose gets the default of their role:
procurement officers get the digest (each organization submission, question
and approval request used to mail every officer; the to-do page shows what
waits, and urgent messages still come at once), everybody else gets e-mail
at once (organizations and community workers are told about their own
affairs, and rarely)."""

from django.db import transaction
from django.db.models import Q

#: the default for procurement officers who never chose (everybody else: at once)
DEFAULT_FOR_OFFICERS = True


def _officer_pks(pks):
    """The active procurement officers among ``pks`` (``permissions.is_officer``), in one query."""
    from marketplace.core.models.users import User
    from marketplace.core.permissions import Permission

    app_label, codename = str(Permission.MANAGE_PROCUREMENT).split(".")
    perm = {"content_type__app_label": app_label, "codename": codename}
    holds = (
        Q(is_superuser=True)
        | Q(**{f"groups__permissions__{k}": v for k, v in perm.items()})
        | Q(**{f"user_permissions__{k}": v for k, v in perm.items()})
    )
    return set(User.objects.filter(pk__in=pks, is_active=True).filter(holds).values_list("pk", flat=True))


def wants_digest(users):
    """The pks of ``users`` whose routine e-mail waits for the daily digest:
    one query, two for users who never chose."""
    from marketplace.core.models.preferences import NotificationPreference

    pks = [user.pk for user in users]
    if not pks:
        return set()
    chosen = dict(NotificationPreference.objects.filter(user_id__in=pks).values_list("user_id", "digest"))
    wanted = {pk for pk, digest in chosen.items() if digest}
    unchosen = [pk for pk in pks if pk not in chosen]
    if unchosen and DEFAULT_FOR_OFFICERS:
        wanted |= _officer_pks(unchosen)
    return wanted


def digest_chosen(user):
    """Does ``user`` get routine messages once a day (their choice, or their role's default)?"""
    return user.pk in wants_digest([user])


def choose(user, digest):
    """Record ``user``'s choice: routine messages once a day (``digest``) or at once."""
    from marketplace.core.models.preferences import NotificationPreference

    NotificationPreference.objects.update_or_create(user=user, defaults={"digest": bool(digest)})


def held(user, subject, body, url):
    """A routine e-mail to hold for ``user``'s digest (unsaved; ``hold`` saves them)."""
    from marketplace.core.models.outbox import HeldMessage

    return HeldMessage(user=user, subject=subject, body=f"{body}\n\n{url}" if url else body)


def hold(messages):
    from marketplace.core.models.outbox import HeldMessage

    if messages:
        HeldMessage.objects.bulk_create(messages)


def send_digests():
    """Run once a day: one e-mail per user with their held messages, in the
    language they read messages in now; the held rows are deleted.  Returns
    the number of digests queued."""
    from marketplace.core import languages, notifications
    from marketplace.core.jobs import enqueue_on_commit
    from marketplace.core.messages import DIGEST
    from marketplace.core.models.outbox import HeldMessage, OutgoingMessage
    from marketplace.core.models.users import User
    from marketplace.core.tasks import deliver_notification

    user_ids = sorted(set(HeldMessage.objects.values_list("user_id", flat=True)))
    users = User.objects.in_bulk(user_ids)
    chosen = languages.languages_of(list(users.values()))
    account_url = notifications.absolute_url(_account_path())
    queued = 0
    for user_id in user_ids:
        user = users.get(user_id)
        with transaction.atomic():
            # The claim: rows another run holds are skipped, and the rows taken are deleted here.
            messages = list(HeldMessage.objects.select_for_update(skip_locked=True).filter(user_id=user_id))
            if not messages:
                continue
            # Only the run whose delete removed the rows sends them (as deliver_outgoing does).
            if not HeldMessage.objects.filter(pk__in=[m.pk for m in messages]).delete()[0]:
                continue
            if user is None or not user.is_active or not user.email:
                continue  # nobody to mail: the notices are on the platform
            subject, body = notifications.render(
                DIGEST,
                {"messages": messages, "count": len(messages), "account_url": account_url},
                chosen.get(user_id) or languages.current(),
            )
            message = OutgoingMessage.objects.create(
                channel=OutgoingMessage.Channel.EMAIL, address=user.email, subject=subject, body=body
            )
            enqueue_on_commit(deliver_notification, message_ids=[message.pk])
            queued += 1
    return queued


def _account_path():
    from django.urls import reverse

    return reverse("account")
