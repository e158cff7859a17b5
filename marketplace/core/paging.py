"""Bounded pages for the public lists (/projects/, /results/, /needs/; issue 18).

A public list shows its first ``MAX_PAGES`` pages.  Django's ``Paginator``
counts every matching row (``COUNT(*)`` over the whole filter) and reaches a
deep page with ``OFFSET``, which walks every row before it: both grow with the
table.  ``BoundedPaginator`` counts at most ``MAX_PAGES * per_page + 1`` rows
(``SELECT COUNT(*) FROM (… LIMIT n)``, which stops early on the lists'
indexes), so its ``count`` is exact up to the cap and ``capped`` says there
are more; a page past the cap is refused politely (``beyond_cap``: the view
shows the last page it serves and says to narrow the list with the filters or
to take the open data).  Keyset links (``?after=<sort key>``) would reach any
depth, but every list has its own sort key and some sort by a nullable or
non-unique column; the cap keeps the page links, the filters and the page
cache's keys as they were.

A bad ``page`` is never an error: not a number is the first page, past the
end the last one (``Paginator.get_page``'s rules)."""

from django.core.paginator import Paginator
from django.db.models.query import QuerySet
from django.utils.functional import cached_property

MAX_PAGES = 50
# Longer than any page number a person types; a longer one is not a number.
MAX_PAGE_DIGITS = 9


class BoundedPaginator(Paginator):
    """A ``Paginator`` whose count stops at ``max_pages`` pages.  ``count``
    may be given when the caller already knows it (the projects' state tabs
    count the same rows)."""

    def __init__(self, object_list, per_page, *, max_pages=None, count=None):
        super().__init__(object_list, per_page)
        self.max_pages = MAX_PAGES if max_pages is None else max_pages
        self.limit = self.max_pages * self.per_page
        self._known_count = count

    @cached_property
    def _rows_to_limit(self):
        """How many rows match, counted up to ``limit + 1``."""
        if self._known_count is not None:
            return self._known_count
        if isinstance(self.object_list, QuerySet):
            return self.object_list[: self.limit + 1].count()
        return len(self.object_list[: self.limit + 1])

    @cached_property
    def capped(self):
        """More rows match than the pages show."""
        return self._rows_to_limit > self.limit

    @cached_property
    def count(self):
        return min(self._rows_to_limit, self.limit)


def page_number(value):
    """The page asked for as an int, or None when it is not a plain number."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > MAX_PAGE_DIGITS:
        return None
    return int(value)


def bounded_page(request, rows, per_page, *, count=None):
    """The page ``?page=`` asks for, at most the last page the list serves.
    The page carries ``beyond_cap``: a page past the cap was asked for (the
    template says why it shows the last one)."""
    paginator = BoundedPaginator(rows, per_page, count=count)
    number = page_number(request.GET.get("page"))
    page = paginator.get_page(number if number is not None else 1)
    page.beyond_cap = bool(paginator.capped and number is not None and number > paginator.num_pages)
    # The last served page of a capped list also says where the rest is.
    page.at_cap = bool(paginator.capped and page.number == paginator.num_pages)
    return page
