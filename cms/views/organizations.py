"""Public directory of social organizations (/organizations/): approved
organizations with their public record, filterable by track, type,
community and service area, searchable by name or credit code, and one page
per organization.

Pages get ``PublicOrganization`` values from the public selectors, which
load only ``Organization.PUBLIC_FIELDS``: no contact person, phone, e-mail,
office address, legal representative, ID number, roster, member or document
can reach these templates."""

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from marketplace.organizations.models import Organization
from marketplace.organizations.selectors import organizations as selectors

PER_PAGE = 20
NO_FILTERS = {"track": None, "kind": None, "community": None, "service_area": None, "query": ""}


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name or credit code"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "maxlength": selectors.SEARCH_MAX_LENGTH}),
    )
    track = forms.ChoiceField(label=_("Track"), required=False)
    kind = forms.ChoiceField(label=_("Type"), required=False)
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=selectors.directory_communities(),
        required=False,
        empty_label=_("All communities"),
    )
    area = forms.ChoiceField(label=_("Service area"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._areas = {area.code: area for area in selectors.directory_service_areas()}
        self.fields["track"].choices = [("", _("All tracks")), *Organization.Track.choices]
        self.fields["kind"].choices = [("", _("All types")), *Organization.Kind.choices]
        self.fields["area"].choices = [("", _("All service areas")), *[(a.code, a.name) for a in self._areas.values()]]
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = _("Choose a value from the list.")

    def clean_q(self):
        return selectors.normalise_query(self.cleaned_data.get("q"))

    def clean_area(self):
        code = self.cleaned_data.get("area")
        return self._areas[code] if code else None

    def filters(self):
        """The valid filters (an invalid one is ignored and shown as an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "track": data.get("track") or None,
            "kind": data.get("kind") or None,
            "community": data.get("community"),
            "service_area": data.get("area"),
            "query": data.get("q") or "",
        }


def _kept(filters):
    """The valid filters as query parameters, for the page links."""
    kept = {
        "q": filters["query"],
        "track": filters["track"] or "",
        "kind": filters["kind"] or "",
        "community": filters["community"].pk if filters["community"] is not None else "",
        "area": filters["service_area"].code if filters["service_area"] is not None else "",
    }
    return {key: value for key, value in kept.items() if value}


def index(request, page):
    form = DirectoryFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else dict(NO_FILTERS)
    paginator = Paginator(selectors.public_organizations(**filters), PER_PAGE)
    organizations_page = paginator.get_page(request.GET.get("page"))
    kept = _kept(filters)
    return render(
        request,
        "cms/organizations/index.html",
        {
            "page": page,
            "filter_form": form,
            "filtered": bool(kept),
            "query": filters["query"],
            "organizations_page": organizations_page,
            "organizations": selectors.public_entries(organizations_page.object_list),
            "result_count": paginator.count,
            "directory_url": page.get_url(request),
            "pagination_query": urlencode(kept) + "&" if kept else "",
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
        {"page": page, "organization": organization, "directory_url": page.get_url(request)},
    )
