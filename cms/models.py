from django.db import models
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.fields import RichTextField
from wagtail.models import Page


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


class HomePage(BilingualIntroMixin, Page):
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.SectionPage"]
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("intro_en")]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sections"] = [
            {"page": page, "label": page.section_label, "summary": SECTION_SUMMARIES.get(page.section, "")}
            for page in SectionPage.objects.child_of(self).live().order_by("path")
        ]
        return context


class SectionPage(RoutablePageMixin, BilingualIntroMixin, Page):
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


class CallAnnouncementPage(BilingualIntroMixin, Page):
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


class OpeningRecordPage(BilingualIntroMixin, Page):
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


class ResultAnnouncementPage(BilingualIntroMixin, Page):
    """The result announcement (结果公告) of a project, published when it is
    awarded and republished when the award is cancelled; a child of the call
    announcement with the slug "result".  Its facts are read live
    (``marketplace.selectors.results``)."""

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
