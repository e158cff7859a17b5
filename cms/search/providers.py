"""What the site search covers: one provider per type of public thing.

A provider says what its type is called (``kind``, ``label``), which rows
the public may see now (``public_rows``: the owning domain's own public
selector, never a copy of its rules), and how one row becomes a search
document (``document``: title, text, address, date).  The search re-checks
every hit against ``is_public`` when it runs, so a document left behind by
a missed update (a need hidden, an award cancelled, an organization
suspended) can never show a thing that is no longer public.

To add a type (e.g. the announcements), write a ``Provider`` subclass and
``register`` it::

    @register
    class AnnouncementProvider(Provider):
        kind = "announcements"
        label = _("Announcements")

        def public_rows(self):
            return announcements.public()

        def document(self, row, urls):
            return Document(row.title, row.text, row.url, row.published_at)

then call ``cms.search.index.reindex("announcements", [pk])`` after commit
where one changes (``cms.search.receivers``) and run ``manage.py
rebuild_search_index``."""

from dataclasses import dataclass

from django.db.models import Exists
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from contracts.contracts import public as contracts_public
from marketplace.catalogue import selectors as catalogue_selectors
from marketplace.evaluation import selectors as result_selectors
from marketplace.needs import selectors as need_selectors
from marketplace.organizations.selectors import organizations as organization_selectors
from marketplace.procurement.selectors import projects as project_selectors


@dataclass(frozen=True)
class Document:
    title: str
    body: str
    url: str
    published_at: object = None


class SectionUrls:
    """The public sections' addresses (one query each, once per run)."""

    DEFAULTS = {
        "catalogue": "/catalogue/",
        "needs": "/needs/",
        "projects": "/projects/",
        "results": "/results/",
        "organizations": "/organizations/",
        "disclosure": "/disclosure/",
    }

    def __init__(self):
        self._urls = {}

    def __getitem__(self, section):
        if section not in self._urls:
            from cms.models import SectionPage

            page = SectionPage.objects.filter(section=section, live=True).first()
            url = page.url if page is not None else None
            self._urls[section] = url or self.DEFAULTS.get(section, "/")
        return self._urls[section]


class Provider:
    #: the type's key in the index and in ``?type=``
    kind = ""
    #: its name on the results page
    label = ""

    def public_rows(self):
        """The rows the public may see now (a queryset)."""
        raise NotImplementedError

    def rows_with_ids(self, ids):
        return self.public_rows().filter(pk__in=ids)

    def is_public(self, object_id):
        """An ``Exists`` that holds when the row ``object_id`` (an outer
        reference) is public now: the search's re-check, one index lookup per
        candidate document instead of every public row of the type."""
        return Exists(self.public_rows().filter(pk=object_id))

    def object_id(self, row):
        return row.pk

    def document(self, row, urls):
        """The row as a ``Document``; ``urls`` is a ``SectionUrls``."""
        raise NotImplementedError


_REGISTRY = {}


def register(provider_class):
    provider = provider_class()
    _REGISTRY[provider.kind] = provider
    return provider_class


def providers():
    """Every provider, in the order the results page shows their groups."""
    return list(_REGISTRY.values())


def provider(kind):
    return _REGISTRY.get(kind)


def _join(*parts):
    return "\n".join(str(part) for part in parts if part)


@register
class ProjectProvider(Provider):
    kind = "projects"
    label = _("Purchase projects")

    def public_rows(self):
        return project_selectors.public_projects().prefetch_related("catalogue_items")

    def document(self, row, urls):
        return Document(
            title=row.title,
            body=_join(
                row.ref,
                row.purchaser,
                "、".join(c.name for c in row.communities.all()),
                "、".join(i.name for i in row.catalogue_items.all()),
                row.description,
                row.requirements,
            ),
            url=f"{urls['projects']}{row.ref}/",
            published_at=row.published_at,
        )


@register
class ResultProvider(Provider):
    """One result announcement per awarded project (its shown award); the
    document's id is the project's."""

    kind = "results"
    label = _("Results")

    def public_rows(self):
        return result_selectors.public_results()

    def rows_with_ids(self, ids):
        return self.public_rows().filter(project_id__in=ids)

    def is_public(self, object_id):
        return Exists(self.public_rows().filter(project_id=object_id))

    def object_id(self, row):
        return row.project_id

    def document(self, row, urls):
        return Document(
            title=row.project.title,
            body=_join(row.project.ref, row.bid.organization.name),
            url=f"{urls['projects']}{row.project.ref}/result/",
            published_at=row.awarded_at,
        )


@register
class ContractProvider(Provider):
    kind = "contracts"
    label = _("Contract announcements")

    def public_rows(self):
        return contracts_public.published()

    def document(self, row, urls):
        contract = contracts_public.as_public(row)
        return Document(
            title=contract.project_title,
            body=_join(
                contract.number,
                contract.project_ref,
                contract.organization,
                contract.purchaser,
                "、".join(contract.communities),
                contract.service_content,
                contract.place,
            ),
            url=f"{urls['disclosure']}{contract.number}/",
            published_at=contract.announced_at or contract.signed_at,
        )


@register
class NeedProvider(Provider):
    kind = "needs"
    label = _("Community needs")

    def public_rows(self):
        return need_selectors.public_needs()

    def document(self, row, urls):
        item = row.catalogue_item
        return Document(
            title=row.title,
            body=_join(
                row.community,
                f"{item.code} {item.name}" if item else row.other_description,
                row.description,
            ),
            url=f"{urls['needs']}{row.pk}/",
            published_at=row.created_at,
        )


@register
class CatalogueProvider(Provider):
    kind = "catalogue"
    label = _("Service catalogue")

    def public_rows(self):
        version = catalogue_selectors.current_version()
        if version is None:
            return catalogue_selectors.public_items(None).none()
        return catalogue_selectors.public_items(version)

    def document(self, row, urls):
        return Document(
            title=row.name,
            body=_join(row.code, row.category, row.department, row.content),
            url=f"{urls['catalogue']}{row.code}/",
        )


@register
class OrganizationProvider(Provider):
    kind = "organizations"
    label = _("Organizations")

    def public_rows(self):
        return organization_selectors.public_organizations()

    def document(self, row, urls):
        # Only the directory's public values (no contact, no address, no person).
        entry = organization_selectors.public_entries([row])[0]
        return Document(
            title=entry.name,
            body=_join(
                entry.credit_code,
                entry.community,
                "、".join(area.name for area in entry.service_areas),
                entry.description,
            ),
            url=f"{urls['organizations']}{entry.pk}/",
            published_at=entry.approved_at,
        )


@register
class PageProvider(Provider):
    """The CMS's own live public pages (the home and section pages and any
    page editors add): title, search description and introduction.  The
    project's call, opening and result pages are found as projects and
    results."""

    kind = "pages"
    label = _("Site pages")

    def public_rows(self):
        from wagtail.models import Page

        from cms.models import CallAnnouncementPage, OpeningRecordPage, ResultAnnouncementPage

        project_pages = [
            model.objects.values("pk") for model in (CallAnnouncementPage, OpeningRecordPage, ResultAnnouncementPage)
        ]
        pages = Page.objects.live().public().filter(depth__gt=1)
        for rows in project_pages:
            pages = pages.exclude(pk__in=rows)
        return pages

    def document(self, row, urls):
        page = row.specific
        return Document(
            title=page.title,
            body=_join(
                page.search_description,
                strip_tags(getattr(page, "intro", "") or ""),
                strip_tags(getattr(page, "intro_en", "") or ""),
            ),
            url=page.url or "/",
            published_at=page.last_published_at,
        )


#: the announcement facts that are words for people (not codes, dates or sums)
SEARCHED_FACTS = ("purchaser", "method_name", "summary", "text", "organization", "milestone_title", "reason")


@register
class AnnouncementProvider(Provider):
    """Every announcement (issue 17, 1): found by its title, type, project,
    contract and the facts it announced."""

    kind = "announcements"
    label = _("Announcements")

    def public_rows(self):
        from cms.models import Announcement

        return Announcement.objects.all()

    def document(self, row, urls):
        from django.utils import translation

        with translation.override("zh-hans"):
            kind = str(row.get_kind_display())
        facts = [row.facts.get(key) for key in SEARCHED_FACTS if isinstance(row.facts.get(key), str)]
        return Document(
            title=f"{kind}：{row.title}",
            body=_join(row.project_ref, row.contract_number, *facts, row.note),
            url=f"{urls['disclosure']}a/{row.pk}/",
            published_at=row.published_at,
        )
