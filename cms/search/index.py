"""Writing and reading the search documents (``cms.search``).

``reindex(kind, ids)`` brings the documents of some rows up to date (a row
that is no longer public loses its document); ``rebuild()`` rebuilds every
type.  ``search(query, kind)`` answers the results page: documents matching
every term of the query, re-checked against the providers' public rows,
grouped by type; ``counts(query)`` gives the number per type."""

import logging
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, F, Func, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Cast
from django.utils.html import format_html, format_html_join

from cms.search import tokens
from cms.search.models import SearchDocument
from cms.search.providers import SectionUrls, provider, providers

logger = logging.getLogger(__name__)

BATCH = 500
SNIPPET_BEFORE = 30
SNIPPET_LENGTH = 120


def uses_index():
    """PostgreSQL: the tsvector with its GIN index.  Elsewhere (SQLite for
    ``make run``): a substring scan of the same table."""
    return connection.vendor == "postgresql"


class TsMatch(Func):
    """``vector @@ query``"""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def _tokens_vector():
    """``array_to_tsvector(string_to_array(tokens, ' '))``: the tokens as
    lexemes, as they are (no parser, no dictionary)."""
    return Func(
        Func(F("tokens"), Value(" "), function="string_to_array"),
        function="array_to_tsvector",
        output_field=SearchVectorField(),
    )


# --- writing -----------------------------------------------------------------------------


def _fields(item, row, urls):
    document = item.document(row, urls)
    return {
        "title": str(document.title)[:300],
        "body": str(document.body or ""),
        "url": str(document.url)[:500],
        "published_at": document.published_at,
        "tokens": " ".join(tokens.document_tokens(document.title, document.body)),
    }


def _fill_vectors(documents):
    if uses_index():
        documents.update(vector=_tokens_vector())


def reindex(kind, ids):
    """Bring the documents of these rows of ``kind`` up to date: public
    rows get theirs written, the others lose theirs."""
    item = provider(kind)
    ids = {int(pk) for pk in ids if pk is not None}
    if item is None or not ids:
        return
    urls = SectionUrls()
    with transaction.atomic():
        kept = set()
        for row in item.rows_with_ids(ids):
            object_id = item.object_id(row)
            SearchDocument.objects.update_or_create(kind=kind, object_id=object_id, defaults=_fields(item, row, urls))
            kept.add(object_id)
        SearchDocument.objects.filter(kind=kind, object_id__in=ids - kept).delete()
        _fill_vectors(SearchDocument.objects.filter(kind=kind, object_id__in=kept))


def rebuild(kinds=None):
    """Rebuild the documents of these kinds (all by default); returns {kind: count}."""
    urls = SectionUrls()
    counts = {}
    for item in providers():
        if kinds and item.kind not in kinds:
            continue
        with transaction.atomic():
            SearchDocument.objects.filter(kind=item.kind).delete()
            batch, count = [], 0
            for row in item.public_rows().iterator(chunk_size=BATCH):
                batch.append(SearchDocument(kind=item.kind, object_id=item.object_id(row), **_fields(item, row, urls)))
                if len(batch) >= BATCH:
                    count += len(SearchDocument.objects.bulk_create(batch))
                    batch = []
            count += len(SearchDocument.objects.bulk_create(batch))
            _fill_vectors(SearchDocument.objects.filter(kind=item.kind))
        counts[item.kind] = count
    return counts


def reindex_after_commit(kind, ids):
    """Reindex once the current transaction commits.  A failure is logged
    and never reaches the business step (it has committed already); the
    search re-checks every hit, and ``rebuild_search_index`` repairs."""
    ids = list(ids)

    def run():
        try:
            reindex(kind, ids)
        except Exception:  # the index is a convenience, never the record
            logger.exception("search index update failed for %s %s", kind, ids)

    transaction.on_commit(run)


def rebuild_after_commit(kinds):
    """``rebuild(kinds)`` once the current transaction commits (failures logged)."""
    kinds = list(kinds)

    def run():
        try:
            rebuild(kinds)
        except Exception:  # the index is a convenience, never the record
            logger.exception("search index rebuild failed for %s", kinds)

    transaction.on_commit(run)


# --- reading -----------------------------------------------------------------------------


def _public():
    condition = Q()
    for item in providers():
        condition |= Q(kind=item.kind) & Q(item.is_public(OuterRef("object_id")))
    return condition


def text_matches(query, documents=None):
    """The documents holding every term of ``query`` (no public re-check:
    ``_matching`` adds it; the benchmark measures this part alone)."""
    documents = SearchDocument.objects.all() if documents is None else documents
    terms = tokens.query_terms(query)
    if not terms:
        return documents.none()
    if uses_index():
        tsquery = tokens.tsquery(query)
        if tsquery:
            documents = documents.filter(TsMatch(F("vector"), Cast(Value(tsquery), output_field=SearchQueryField())))
    for term in terms:
        # The exact check (the index may find the windows apart); Django
        # escapes %, _ and \ in the pattern.
        documents = documents.filter(Q(title__icontains=term) | Q(body__icontains=term))
    return documents


def _matching(query):
    return text_matches(query).filter(_public())


def counts(query):
    """{kind: number of hits}, every provider present (0 when none)."""
    found = dict(_matching(query).order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return {item.kind: found.get(item.kind, 0) for item in providers()}


def search(query, kind=None):
    """The matching documents, grouped by type (the providers' order), in a
    type the ones whose title holds the first term first, then newest."""
    documents = _matching(query)
    if kind:
        documents = documents.filter(kind=kind)
    terms = tokens.query_terms(query)
    order = Case(
        *[When(kind=item.kind, then=Value(position)) for position, item in enumerate(providers())],
        default=Value(len(providers())),
        output_field=IntegerField(),
    )
    title_first = Case(When(title__icontains=terms[0], then=Value(0)), default=Value(1), output_field=IntegerField())
    return documents.annotate(group_order=order, title_order=title_first).order_by(
        "group_order", "title_order", F("published_at").desc(nulls_last=True), "-pk"
    )


# --- showing a hit ------------------------------------------------------------------------


def _spans(text, terms):
    """The (start, end) of every occurrence of every term in ``text``, any
    case, merged where they overlap."""
    folded = tokens.normalise(text)
    if len(folded) != len(text):  # NFKC changed the length: match on the text as it is
        folded = text.lower()
    spans = []
    for term in terms:
        start = folded.find(term)
        while start != -1 and term:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + len(term))
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text, terms):
    """``text`` escaped, every occurrence of the terms in ``<mark>``."""
    text = str(text or "")
    pieces, position = [], 0
    for start, end in _spans(text, terms):
        pieces.append((text[position:start],))
        pieces.append((format_html("<mark>{}</mark>", text[start:end]),))
        position = end
    pieces.append((text[position:],))
    # format_html escapes every plain piece; only the <mark> pieces are markup
    return format_html_join("", "{}", pieces)


def snippet(text, terms):
    """About ``SNIPPET_LENGTH`` characters of the text around the first hit, highlighted."""
    text = " ".join(str(text or "").split())
    spans = _spans(text, terms)
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_BEFORE)
    end = start + SNIPPET_LENGTH
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return format_html("{}{}{}", prefix, highlight(text[start:end], terms), suffix)


@dataclass(frozen=True)
class Hit:
    kind: str
    label: str
    url: str
    title: str  # safe HTML
    snippet: str  # safe HTML
    published_at: object


def hits(documents, query):
    terms = tokens.query_terms(query)
    labels = {item.kind: item.label for item in providers()}
    return [
        Hit(
            kind=document.kind,
            label=str(labels.get(document.kind, document.kind)),
            url=document.url,
            title=highlight(document.title, terms),
            snippet=snippet(document.body, terms),
            published_at=document.published_at,
        )
        for document in documents
    ]
