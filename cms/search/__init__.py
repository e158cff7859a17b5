"""The site search (/search/, issue 17 point 6): one box in every page's
header, results from every public section.

Layout:

- ``providers``: one provider per type of public thing (projects, results,
  contracts, needs, catalogue items, organizations, CMS pages): its label,
  its public rows (the owning domain's public selector) and how a row
  becomes a document (title, text, address, date).  A new type is a small
  subclass and ``@register`` (see the module's docstring).
- ``models.SearchDocument``: one row per public thing, owned by ``cms``
  (the other apps' tables are untouched); migration ``0005_search_documents``.
- ``tokens``: the CJK bigram tokenizer.
- ``index``: writing (``reindex``, ``rebuild``) and reading (``search``,
  ``counts``, highlighting).  Every hit is re-checked against the
  providers' public rows when the search runs, so a stale document never
  shows a draft, a hidden or suspended record.
- ``receivers``: the domain events and model saves that reindex a record
  after the commit (``transaction.on_commit``; a failure is logged, never
  rolled into the business step).  ``manage.py rebuild_search_index``
  rebuilds everything (``seed_demo`` runs it).
- ``views``/``urls``: the results page, grouped by type with a filter and
  counts per type, 20 a page, the query validated (length, words, control
  characters) and marked with ``<mark>`` after escaping.

Decision: how Chinese is matched (measured with ``bench/search.py``, figures
in ``bench/RESULTS.md``).  养老 must find 居家养老上门服务: a substring
match, because Chinese has no spaces for a word index to split on.

- ``pg_trgm`` with ``icontains`` (``ILIKE '%养老%'``) on trigram GIN
  indexes cannot use the index for the commonest query: a two-character
  pattern has no trigram, so PostgreSQL scans the whole table (or the whole
  index).  Most Chinese words are two characters.
- ``jieba`` (dictionary segmentation into a ``tsvector``) is not available
  here, and a segmenter misses words it cuts differently (居家养老 may be
  one token, so 养老 would not match).
- Chosen: a hand-written CJK bigram tokenizer into a ``tsvector`` (stored
  with ``array_to_tsvector``, no parser, no dictionary) with a GIN index.
  A query of n ≥ 2 Chinese characters is the AND of its n-1 bigrams, a
  single character a prefix lookup (``'养':*``, the tokenizer also stores
  each run's last character), a Latin or digit word a prefix lookup; the
  index returns every true hit and the exact ``icontains`` check on those
  candidates removes the few that hold the bigrams apart.  Two-character
  queries are index lookups at 100,000 documents.

On SQLite (the ``make run`` default) the vector stays empty and the same
table is searched with ``icontains`` alone: same results, a table scan."""
