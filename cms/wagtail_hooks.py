"""Admin guards for the statutory pages (issue 12, finding 6).  The page
permission tester (``cms.models.StatutoryPagePermissionTester``) hides the
actions and Wagtail's views and bulk actions ask it; these hooks refuse the
same actions again at the door of each view, whatever a later change to the
tester or a new bulk action may do."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Page
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from cms.models import Announcement, is_statutory


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


class AnnouncementNotePolicy(ModelPermissionPolicy):
    """Announcements are written by the platform from the data
    (``cms.announcements``) and never deleted: nobody adds or deletes one
    here, superusers included; editors only change their note."""

    def user_has_permission(self, user, action):
        if action in ("add", "delete"):
            return False
        return super().user_has_permission(user, action)


register_permission_policy(Announcement, AnnouncementNotePolicy(Announcement), exact_class=True)


class AnnouncementNoteViewSet(ModelViewSet):
    """Editors add a note to an announcement (the facts stay the data's);
    each change is in the announcement's history."""

    model = Announcement
    icon = "doc-full"
    menu_label = gettext_lazy("Announcements")
    menu_order = 290
    add_to_admin_menu = True
    url_prefix = "announcements"
    name = "announcements"
    list_display = ["title", "kind", "project_ref", "published_at"]
    list_filter = ["kind"]
    search_fields = ["title", "project_ref", "contract_number"]
    form_fields = ["note"]
    copy_view_enabled = False


@hooks.register("register_admin_viewset")
def register_announcement_notes():
    return AnnouncementNoteViewSet()
