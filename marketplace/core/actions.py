"""The one action-view helper: a POST that asks a service to take one step.

    return run_action(request, form, call, success=_("Done."), done=url, again=render_page)

A valid form goes to ``call(form)``; success shows ``success`` and redirects
to ``done`` (a URL, or a callable returning one).  A refused step
(``DomainError``) goes onto the form and ``again(form)`` renders the page with
everything the user typed (status 200), as does an invalid form.  Nothing the
user typed is lost, and nothing changed."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from marketplace.core.errors import DomainError


def run_action(request, form, call, *, success, done, again, summary_on_page=False):
    """``summary_on_page``: the page lists the form's errors at its top
    (``includes/error_summary.html``), so no flash message says it again."""
    if form.is_valid():
        try:
            call(form)
        except DomainError as error:
            if form.add_service_error(error):
                # Shown next to its field: said once, there (“Nothing was changed: wrong password.” said twice).
                if not summary_on_page:
                    messages.error(request, _("Nothing was changed: correct the form below."))
            else:
                messages.error(request, _("Nothing was changed: %(message)s") % {"message": error.message})
        else:
            messages.success(request, success() if callable(success) else success)
            return redirect(done() if callable(done) else done)
    elif not summary_on_page:
        messages.error(request, _("Nothing was changed: correct the form below."))
    return again(form)
