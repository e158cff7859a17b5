"""The officer's to-do page."""

from django.shortcuts import render

from marketplace.core.decorators import officer_required
from marketplace.workspace import selectors


@officer_required
def todo(request):
    sections = selectors.todo(request.user)
    return render(
        request,
        "marketplace/workspace/todo.html",
        {"sections": sections, "total": sum(section.count for section in sections)},
    )
