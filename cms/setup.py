"""Creates the public page tree: the home page as the site root and one page
per public section, with the moderation workflow that guards them.
Idempotent; run by ``manage.py setup_site`` and by ``seed_demo``."""

from django.conf import settings
from django.db import transaction
from wagtail.models import Page, Site

from cms.models import HomePage, Section, SectionPage
from cms.moderation import ensure_moderation_workflow

HOME_TITLE = "首页"
HOME_INTRO = (
    "<p>本平台是{district}政府购买社会服务的统一平台：公开服务目录与社区需求清单，"
    "发布购买项目，社会组织在线投标，评审、合同、履约评估与资金拨付全程留痕、向社会公开。</p>"
)
HOME_INTRO_EN = (
    "<p>The single platform through which {district} buys community social services: the service "
    "catalogue and the community demand list are public, purchase projects are published here, "
    "social organizations bid online, and every evaluation, contract, milestone and payment is "
    "recorded and disclosed.</p>"
)
SECTION_PAGES = [
    (Section.CATALOGUE, "catalogue", "服务目录"),
    (Section.NEEDS, "needs", "需求清单"),
    (Section.PROJECTS, "projects", "购买项目"),
    (Section.RESULTS, "results", "结果公示"),
    (Section.ORGANIZATIONS, "organizations", "社会组织"),
    (Section.DISCLOSURE, "disclosure", "信息公开"),
]


@transaction.atomic
def ensure_site():
    """Return the home page, creating what is missing; never overwrites edits."""
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    if home is None:
        district = settings.PLATFORM_DISTRICT_NAME
        # Wagtail's initial migration leaves a plain "Welcome" page at the
        # root; it would take the slug "home".
        for page in root.get_children().filter(slug="home").exact_type(Page):
            page.delete()
        home = HomePage(
            title=HOME_TITLE,
            slug="home",
            intro=HOME_INTRO.format(district=district),
            intro_en=HOME_INTRO_EN.format(district="the district"),
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=str(settings.WAGTAIL_SITE_NAME),
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    existing = set(SectionPage.objects.values_list("section", flat=True))
    for key, slug, title in SECTION_PAGES:
        if key in existing:
            continue
        page = SectionPage(title=title, slug=slug, section=key, show_in_menus=True)
        home.add_child(instance=page)
        page.save_revision().publish()
    # Changes to these pages go through a second person (cms.moderation).
    ensure_moderation_workflow(home)
    return home
