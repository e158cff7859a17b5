"""The site search's own table: one row per public thing (``cms.search``).

A separate table owned by ``cms``, so the other apps' models stay as they
are: each provider (``cms.search.providers``) turns its public rows into
documents, the receivers (``cms.search.receivers``) keep them current after
each commit and ``manage.py rebuild_search_index`` rebuilds them all.

On PostgreSQL ``vector`` holds the CJK bigram tokens (``cms.search.tokens``)
as a ``tsvector`` with a GIN index (created by migration 0005 on PostgreSQL
only); on SQLite it stays empty and the search scans title and body."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

#: the GIN index migration 0005 creates on PostgreSQL (not in the model state:
#: SQLite has no GIN)
VECTOR_INDEX = "cms_searchdoc_vector_gin"


class SearchDocument(models.Model):
    kind = models.CharField(_("type"), max_length=20)
    object_id = models.BigIntegerField(_("record"))
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("web address"), max_length=500)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    tokens = models.TextField(_("search tokens"), blank=True)
    vector = SearchVectorField(null=True, editable=False)
    indexed_at = models.DateTimeField(_("indexed"), auto_now=True)

    class Meta:
        app_label = "cms"
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="cms_searchdoc_kind_object")]
        indexes = [models.Index(fields=["kind", "-published_at"], name="cms_searchdoc_kind_date")]

    def __str__(self):
        return f"{self.kind}:{self.object_id} {self.title}"
