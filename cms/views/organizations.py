"""Public directory of social organizations (/organizations/): approved
organizations with their public record, filterable by track, type,
community and service area, searchable by name or credit code, and one page
per organization.

Pages get ``PublicOrganization`` values from the public selectors, which
load only ``Organization.PUBLIC_FIELDS``: no contact person, phone, e-mail,
office address, legal representative, ID number, roster, member or document
can reach these templates."""

from django.http import Http404
from django.shortcuts import render

from contracts.contracts.public import organization_contract_totals
from contracts.milestones.public import organization_acceptance_record, performance_history
from marketplace.core.filters import paginate
from marketplace.organizations.filters import DirectoryFilterSet
from marketplace.organizations.selectors import organizations as selectors
from marketplace.procurement.public import organization_bid_record


def index(request, page):
    filterset = DirectoryFilterSet(request.GET)
    organizations_page = paginate(request, filterset.qs)
    return render(
        request,
        "cms/organizations/index.html",
        {
            "page": page,
            "filter_form": filterset.form,
            "filtered": filterset.filtered,
            "query": filterset.values["query"],
            "organizations_page": organizations_page,
            "organizations": selectors.public_entries(organizations_page.object_list),
            "result_count": organizations_page.paginator.count,
            "directory_url": page.get_url(request),
            "pagination_query": filterset.querystring,
        },
    )


def detail(request, page, key):
    if not (key.isascii() and key.isdigit()) or len(key) > 18:
        raise Http404
    organization = selectors.public_organization(int(key))
    if organization is None:
        raise Http404
    return render(
        request,
        "cms/organizations/detail.html",
        {
            "page": page,
            "organization": organization,
            "directory_url": page.get_url(request),
            "performance": performance_history(organization.pk),
            "service_record": _service_record(organization.pk),
            "disclosure_url": _disclosure_url(request),
        },
    )


def _service_record(pk):
    """The organization's record on the platform (Hebei: 社会组织服务信息):
    calls bid on and won (opened calls only), signed contracts and their
    sums by state, grades, milestones accepted, mean resident satisfaction,
    and its sanctions with their days.  Five queries, whatever the record's
    size."""
    return {
        "bids": organization_bid_record(pk),
        "contracts": organization_contract_totals(pk),
        "acceptance": organization_acceptance_record(pk),
        "sanctions": selectors.sanction_history(pk),
    }


def _disclosure_url(request):
    from cms.models import Section, SectionPage

    section = SectionPage.objects.filter(section=Section.DISCLOSURE).first()
    return section.get_url(request) if section is not None else "/disclosure/"
