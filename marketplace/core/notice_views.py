"""In-site notices (站内消息) at /accounts/notices/: a person's own messages,
newest first.  Opening one marks it read; so does "mark all as read"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from marketplace.core import accounts
from marketplace.core.filters import paginate
from marketplace.core.models.notices import Notice

PER_PAGE = 20


def unread_notices(request):
    """Context processor: ``unread_notice_count`` for the header (one query;
    0 for anonymous visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notice_count": 0}
    return {"unread_notice_count": Notice.objects.filter(user=user, read_at__isnull=True).count()}


@never_cache
@login_required
def notices(request):
    queryset = Notice.objects.filter(user=request.user).order_by("-created_at", "-pk")
    page = paginate(request, queryset, PER_PAGE)
    unread = Notice.objects.filter(user=request.user, read_at__isnull=True).count()
    return render(request, "marketplace/core/notices/list.html", {"page_obj": page, "unread": unread})


@require_POST
@login_required
def mark_all_read(request):
    count = accounts.mark_all_notices_read(request.user)
    if count:
        messages.success(request, _("All messages are marked as read."))
    return redirect("notices")


@require_POST
@login_required
def open_notice(request, pk):
    """Mark the notice read, then go to what it is about (a path on this
    site) or back to the list."""
    notice = accounts.open_notice(request.user, pk)
    if notice is None:
        raise Http404
    link = notice.link or ""
    if link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notices")
