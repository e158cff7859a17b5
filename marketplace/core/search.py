"""The Wagtail search backend (``WAGTAILSEARCH_BACKENDS``): Wagtail's database
backend, with the SQLite full-text query made safe for double quotes.

modelsearch's SQLite compiler wraps every term in double quotes for FTS5's
``MATCH`` without doubling the quotes inside it, so a search for ``"`` (the
admin's page chooser, ``/admin/choose-page/search/?q=%22``) sent FTS5 an
unterminated string and the page answered 500.  FTS5 writes a quote inside a
string as two quotes; the tokenizer then drops it like any punctuation.
PostgreSQL, MySQL and the fallback backend are used unchanged.
"""

import functools

from modelsearch.backends import database as wagtail_database_backend
from modelsearch.query import Phrase, PlainText


def _fts5_escape(text):
    return text.replace('"', '""')


class QuoteSafeCompilerMixin:
    def build_search_query_content(self, query, config=None):
        if isinstance(query, PlainText):
            query = PlainText(_fts5_escape(query.query_string), operator=query.operator, boost=query.boost)
        elif isinstance(query, Phrase):
            query = Phrase(_fts5_escape(query.query_string))
        return super().build_search_query_content(query, config=config)


def SearchBackend(params):  # noqa: N802 (the name Wagtail looks for)
    backend = wagtail_database_backend.SearchBackend(params)
    if type(backend).__name__ == "SQLiteSearchBackend":
        backend = quote_safe_sqlite_backend_class()(params)
    return backend


@functools.cache
def quote_safe_sqlite_backend_class():
    """Built on first use: the SQLite module is imported only on SQLite."""
    from modelsearch.backends.database.sqlite import sqlite

    class QuoteSafeSearchQueryCompiler(QuoteSafeCompilerMixin, sqlite.SQLiteSearchQueryCompiler):
        pass

    class QuoteSafeAutocompleteQueryCompiler(QuoteSafeCompilerMixin, sqlite.SQLiteAutocompleteQueryCompiler):
        pass

    class QuoteSafeSQLiteSearchBackend(sqlite.SQLiteSearchBackend):
        query_compiler_class = QuoteSafeSearchQueryCompiler
        autocomplete_query_compiler_class = QuoteSafeAutocompleteQueryCompiler

    return QuoteSafeSQLiteSearchBackend
