"""The site search (/search/): one box in every page's header, results from
every public section grouped by type, a filter per type with its count,
twenty to a page, the words found marked.  The query is refused with a
message (400) when it holds control characters, is too long, has too many
words or nothing to look for; it never reaches the database then."""

from django import forms
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from cms.search import index, tokens
from cms.search.providers import providers
from marketplace.core.filters import paginate
from marketplace.core.params import has_control_characters

PER_PAGE = 20
MAX_LENGTH = 100
MAX_TERMS = 8


class SiteSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the site"), required=False, max_length=MAX_LENGTH)
    type = forms.ChoiceField(label=_("Type"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("Everything"))] + [(item.kind, item.label) for item in providers()]
        self.fields["q"].widget.attrs.update({"maxlength": MAX_LENGTH, "type": "search"})

    def clean_q(self):
        if has_control_characters(self.cleaned_data["q"]):
            raise forms.ValidationError(_("Remove the control characters from the search."))
        value = " ".join(self.cleaned_data["q"].split())
        if value and not tokens.has_tokens(value):
            raise forms.ValidationError(_("Type at least one letter, digit or Chinese character."))
        if len(tokens.query_terms(value)) > MAX_TERMS:
            raise forms.ValidationError(_("Use at most %(count)d words.") % {"count": MAX_TERMS})
        return value


def search(request):
    form = SiteSearchForm(request.GET if request.GET else None)
    context = {"form": form, "query": "", "kind": "", "groups": [], "type_counts": [], "total": 0}
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound and form.cleaned_data["q"]:
        query, kind = form.cleaned_data["q"], form.cleaned_data["type"]
        counts = index.counts(query)
        results_page = paginate(request, index.search(query, kind), PER_PAGE)
        groups = []
        for hit in index.hits(results_page.object_list, query):
            if not groups or groups[-1]["kind"] != hit.kind:
                groups.append({"kind": hit.kind, "label": hit.label, "hits": []})
            groups[-1]["hits"].append(hit)
        context.update(
            {
                "query": query,
                "kind": kind,
                "groups": groups,
                "results_page": results_page,
                "total": sum(counts.values()),
                "shown_total": results_page.paginator.count,
                "all_url": "?" + urlencode({"q": query}),
                "type_counts": [
                    {
                        "kind": item.kind,
                        "label": item.label,
                        "count": counts[item.kind],
                        "url": "?" + urlencode({"q": query, "type": item.kind}),
                    }
                    for item in providers()
                    if counts[item.kind]
                ],
                "pagination_query": urlencode({"q": query, **({"type": kind} if kind else {})}) + "&",
            }
        )
    return render(request, "cms/search/index.html", context, status=status)
