import re

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.fields import RichTextField
from wagtail.models import Page, PagePermissionTester
from wagtail.models.workflows import AbstractGroupApprovalTask


class Section(models.TextChoices):
    """The public sections of the site.  Later features attach their lists to
    the section page with the matching key."""

    CATALOGUE = "catalogue", _("Service catalogue")
    NEEDS = "needs", _("Community needs")
    PROJECTS = "projects", _("Purchase projects")
    RESULTS = "results", _("Results")
    ORGANIZATIONS = "organizations", _("Organizations")
    DISCLOSURE = "disclosure", _("Disclosure")


SECTION_SUMMARIES = {
    Section.CATALOGUE: _("What the district may buy: every service item with its standard and reference price."),
    Section.NEEDS: _("What communities and residents have asked for, and the answer to each request."),
    Section.PROJECTS: _("Open calls for bids, with their budgets, entry standards and deadlines."),
    Section.RESULTS: _("Bid openings, scores, rankings and awards."),
    Section.ORGANIZATIONS: _("Social organizations registered on the platform and their credentials."),
    Section.DISCLOSURE: _("Signed contracts, milestone evaluations and every payment made."),
}


class BilingualIntroMixin(models.Model):
    intro = RichTextField(_("introduction (Chinese)"), blank=True)
    intro_en = RichTextField(_("introduction (English)"), blank=True)

    class Meta:
        abstract = True

    @property
    def localized_intro(self):
        if (get_language() or "").startswith("en") and self.intro_en:
            return self.intro_en
        return self.intro


class StatutoryPagePermissionTester(PagePermissionTester):
    """The statutory pages (the home page, the section pages and the
    announcements under them) stay online: nobody, superusers included, can
    unpublish, delete, move or copy them, schedule their expiry or put them
    behind a view restriction through the admin.  Changes are published only
    by the moderation workflow (``SecondApprovalTask``), so an editor submits
    and a second person approves; there is no direct "Publish"."""

    def can_unpublish(self):
        return False

    def can_delete(self, ignore_bulk=False):
        return False

    def can_move(self):
        return False

    def can_move_to(self, destination):
        return False

    def can_copy(self):
        return False

    def can_copy_to(self, destination, recursive=False):
        return False

    def can_publish(self):
        return False

    def can_set_view_restrictions(self):
        return False

    def can_unschedule(self):
        return False

    def can_reorder_children(self):
        return False


class StatutoryPageMixin:
    """For every page that carries or leads to statutory announcements."""

    # No "Publishing" panel: an expiry date would take the page offline later.
    settings_panels = []

    def permissions_for_user(self, user):
        return StatutoryPagePermissionTester(user, self)

    def save(self, *args, **kwargs):
        self.expire_at = None  # whatever a revision carried
        return super().save(*args, **kwargs)


class SecondApprovalTask(AbstractGroupApprovalTask):
    """A group approval that the person who submitted the change, or wrote the
    revision being approved, cannot give: the second pair of eyes is always
    someone else."""

    class Meta:
        verbose_name = _("second approval task")
        verbose_name_plural = _("second approval tasks")

    @staticmethod
    def _authors(obj):
        authors = set()
        workflow_state = getattr(obj, "current_workflow_state", None)
        if workflow_state is not None and workflow_state.requested_by_id:
            authors.add(workflow_state.requested_by_id)
        revision = obj.get_latest_revision() if hasattr(obj, "get_latest_revision") else None
        if revision is not None and revision.user_id:
            authors.add(revision.user_id)
        return authors

    def is_author(self, obj, user):
        return user.pk in self._authors(obj)

    def get_actions(self, obj, user):
        if self.is_author(obj, user):
            return []
        return super().get_actions(obj, user)

    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name == "approve" and self.is_author(task_state.workflow_state.content_object, user):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return super().on_action(task_state, user, action_name, **kwargs)

    @classmethod
    def get_description(cls):
        return _("Members of the chosen groups approve; never the person who made the change.")


class HomePage(StatutoryPageMixin, BilingualIntroMixin, Page):
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.SectionPage"]
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("intro_en")]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from marketplace.procurement import public

        context = super().get_context(request, *args, **kwargs)
        sections = list(SectionPage.objects.child_of(self).live().order_by("path"))
        context["sections"] = [
            {"page": page, "label": page.section_label, "summary": SECTION_SUMMARIES.get(page.section, "")}
            for page in sections
        ]
        projects = next((page for page in sections if page.section == Section.PROJECTS), None)
        context["projects_url"] = projects.get_url(request) if projects is not None else "/projects/"
        # The calls open for bids now, nearest deadline first (a handful).
        context["open_calls"] = public.open_calls(limit=public.HOME_CALLS)
        context["open_call_count"] = public.open_call_count()
        return context


class SectionPage(StatutoryPageMixin, RoutablePageMixin, BilingualIntroMixin, Page):
    """One public section.  Editors write its introduction; its records come
    from the data through the section's views (``cms.sections``), never
    retyped into the CMS."""

    section = models.CharField(_("section"), max_length=20, choices=Section.choices, unique=True)
    parent_page_types = ["cms.HomePage"]
    # Call announcements are created by the platform when a call is
    # published (``cms.receivers``), never by hand (``is_creatable``).
    subpage_types = ["cms.CallAnnouncementPage"]
    content_panels = Page.content_panels + [
        FieldPanel("section"),
        FieldPanel("intro"),
        FieldPanel("intro_en"),
    ]

    class Meta:
        verbose_name = _("section page")

    @property
    def section_label(self):
        return Section(self.section).label

    def _dispatch(self, request, name, **kwargs):
        from cms import sections

        view = sections.view_for(self.section, name)
        if view is None:
            if name == "index":
                return self.render(request)
            raise Http404
        return view(request, self, **kwargs)

    @path("")
    def index_route(self, request):
        return self._dispatch(request, "index")

    @re_path(r"^download/(?P<fmt>xlsx|pdf)/$")
    def download_route(self, request, fmt):
        return self._dispatch(request, "download", fmt=fmt)

    @re_path(r"^(?P<key>[\w\-]+)/$")
    def detail_route(self, request, key):
        return self._dispatch(request, "detail", key=key)

    @re_path(r"^(?P<key>[\w\-]+)/(?P<part>[\w\-]+(?:/[\w\-]+){0,2})/$")
    def part_route(self, request, key, part):
        """A record's parts: ``/projects/<ref>/pdf/``, ``…/opening/``,
        ``…/documents/<id>/`` (the section's ``part(request, page, key, part)``)."""
        return self._dispatch(request, "part", key=key, part=part)


class CallAnnouncementPage(StatutoryPageMixin, BilingualIntroMixin, Page):
    """The call announcement (采购公告) of one purchase project, created and
    published when the call is published.  Its facts are read live from the
    project (``cms.views.projects``), so an addendum, an answer or a change
    of state shows at once; editors may add an introduction only."""

    project = models.OneToOneField(
        "marketplace.Project", on_delete=models.PROTECT, related_name="+", verbose_name=_("purchase project")
    )
    is_creatable = False
    parent_page_types = ["cms.SectionPage"]
    subpage_types = ["cms.OpeningRecordPage", "cms.ResultAnnouncementPage"]
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("intro_en")]

    class Meta:
        verbose_name = _("call announcement")
        verbose_name_plural = _("call announcements")

    def serve(self, request, *args, **kwargs):
        from cms.views import projects

        return projects.call_page(request, self)

    def serve_preview(self, request, mode_name):
        return self.serve(request)


class OpeningRecordPage(StatutoryPageMixin, BilingualIntroMixin, Page):
    """The opening record (开标记录) of a project, published when its bids
    are opened; a child of the call announcement with the slug "opening"."""

    project = models.OneToOneField(
        "marketplace.Project", on_delete=models.PROTECT, related_name="+", verbose_name=_("purchase project")
    )
    is_creatable = False
    parent_page_types = ["cms.CallAnnouncementPage"]
    subpage_types = []
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("intro_en")]

    class Meta:
        verbose_name = _("opening record")
        verbose_name_plural = _("opening records")

    def serve(self, request, *args, **kwargs):
        from cms.views import projects

        return projects.opening_page(request, self)

    def serve_preview(self, request, mode_name):
        return self.serve(request)


class ResultAnnouncementPage(StatutoryPageMixin, BilingualIntroMixin, Page):
    """The result announcement (结果公告) of a project, published when it is
    awarded and republished when the award is cancelled; a child of the call
    announcement with the slug "result".  Its facts are read live
    (``marketplace.evaluation.selectors``)."""

    project = models.OneToOneField(
        "marketplace.Project", on_delete=models.PROTECT, related_name="+", verbose_name=_("purchase project")
    )
    is_creatable = False
    parent_page_types = ["cms.CallAnnouncementPage"]
    subpage_types = []
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("intro_en")]

    class Meta:
        verbose_name = _("result announcement")
        verbose_name_plural = _("result announcements")

    def serve(self, request, *args, **kwargs):
        from cms.views import projects

        return projects.result_page(request, self)

    def serve_preview(self, request, mode_name):
        return self.serve(request)


STATUTORY_PAGE_MODELS = (HomePage, SectionPage, CallAnnouncementPage, OpeningRecordPage, ResultAnnouncementPage)


def is_statutory(page):
    return issubclass(page.specific_class or type(page), STATUTORY_PAGE_MODELS)


# The site search's table (issue 17), defined with its code in cms/search/.
from cms.search.models import SearchDocument  # noqa: E402, F401

# A mobile or landline number, an e-mail address, a resident identity number.
CONTACT_DETAILS = re.compile(
    r"(?<!\d)1[3-9]\d{9}(?!\d)"  # a mobile number
    r"|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"  # a landline with its area code
    r"|[\w.+-]+@[\w-]+\.[\w.]+"  # an e-mail address
    # a resident identity number: 6 digits of place, a birth date, 3 digits and a check digit (an
    # all-digit unified social credit code has no birth date in it)
    r"|(?<![\dA-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])"
)


def refuse_contact_details(value):
    """Public text written by an editor carries no contact details (names
    cannot be told from words by a pattern: the help text asks for none)."""
    if CONTACT_DETAILS.search(value or ""):
        raise ValidationError(
            _("Remove the telephone number, e-mail address or identity number: this note is published."),
            code="personal_data",
        )


class AnnouncementKind(models.TextChoices):
    """The statutory announcements, in the order of a project's story."""

    INTENTION = "intention", pgettext_lazy("announcement", "Purchase intention")
    CALL = "call", pgettext_lazy("announcement", "Call for bids")
    CORRECTION = "correction", pgettext_lazy("announcement", "Correction")
    OPENING = "opening", pgettext_lazy("announcement", "Opening record")
    RESULT = "result", pgettext_lazy("announcement", "Result")
    CHALLENGE = "challenge", pgettext_lazy("announcement", "Challenge decision")
    CONTRACT = "contract", pgettext_lazy("announcement", "Contract")
    ACCEPTANCE = "acceptance", pgettext_lazy("announcement", "Acceptance result")
    PAYMENT = "payment", pgettext_lazy("announcement", "Payment")
    TERMINATION = "termination", pgettext_lazy("announcement", "Termination")


class Announcement(models.Model):
    """One public announcement: what happened (``event_at``), by when the
    law wants it public (``due_at``, in Chinese working days) and when it
    was (``published_at``).  Written by ``cms.announcements`` from the
    domains' public read modules after their transactions commit, never by
    hand; editors may add a note.  ``facts`` keeps what was announced."""

    kind = models.CharField(_("type"), max_length=20, choices=AnnouncementKind.choices)
    key = models.CharField(_("key"), max_length=80)
    title = models.CharField(_("title"), max_length=300)
    project_ref = models.CharField(_("project"), max_length=20, blank=True, db_index=True)
    contract_number = models.CharField(_("contract"), max_length=30, blank=True)
    event_at = models.DateTimeField(_("event"))
    due_at = models.DateTimeField(_("due"))
    published_at = models.DateTimeField(_("published"))
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    note = models.TextField(
        _("editor's note"),
        blank=True,
        help_text=_(
            "Shown under the facts, in public. The facts themselves come from the data. No personal data: "
            "no person's name, telephone number, e-mail address or identity number."
        ),
        validators=[refuse_contact_details],
    )

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-published_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="announcement_once")]
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="announcement_newest"),
            models.Index(fields=["kind", "-published_at", "-id"], name="announcement_kind_newest"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.title}"

    @property
    def late(self):
        return self.published_at > self.due_at
