"""Admin guards for the statutory pages (issue 12, finding 6).  The page
permission tester (``cms.models.StatutoryPagePermissionTester``) hides the
actions and Wagtail's views and bulk actions ask it; these hooks refuse the
same actions again at the door of each view, whatever a later change to the
tester or a new bulk action may do."""

from django.core.exceptions import PermissionDenied
from wagtail import hooks
from wagtail.models import Page

from cms.models import is_statutory


def _refuse(page):
    if is_statutory(page):
        raise PermissionDenied


@hooks.register("before_unpublish_page")
def refuse_unpublishing(request, page):
    _refuse(page)


@hooks.register("before_delete_page")
def refuse_deleting(request, page):
    _refuse(page)


@hooks.register("before_move_page")
def refuse_moving(request, page, destination):
    _refuse(page)


@hooks.register("before_copy_page")
def refuse_copying(request, page):
    _refuse(page)


@hooks.register("before_bulk_action")
def refuse_bulk_actions_on_statutory_pages(request, action_type, objects, action_class_instance):
    model = getattr(action_class_instance, "model", None)
    if model is None or not issubclass(model, Page):
        return None
    # Delete, unpublish and move take a page offline; publish skips the second
    # approval.  Any other bulk action on these pages is refused as well.
    for page in objects:
        _refuse(page)
    return None
