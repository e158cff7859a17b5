"""The site search's documents (issue 17, cms.search).  On PostgreSQL the
CJK bigram ``tsvector`` gets a GIN index; SQLite has no GIN (its search
scans the table), so the index is made here, outside the model state."""

import django.contrib.postgres.search
from django.db import migrations, models

VECTOR_INDEX = "cms_searchdoc_vector_gin"


def create_vector_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {VECTOR_INDEX} ON cms_searchdocument USING gin (vector)")


def drop_vector_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {VECTOR_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0004_secondapprovaltask"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=20, verbose_name="type")),
                ("object_id", models.BigIntegerField(verbose_name="record")),
                ("title", models.CharField(max_length=300, verbose_name="title")),
                ("body", models.TextField(blank=True, verbose_name="text")),
                ("url", models.CharField(max_length=500, verbose_name="web address")),
                ("published_at", models.DateTimeField(blank=True, null=True, verbose_name="published")),
                ("tokens", models.TextField(blank=True, verbose_name="search tokens")),
                ("vector", django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
                ("indexed_at", models.DateTimeField(auto_now=True, verbose_name="indexed")),
            ],
            options={
                "verbose_name": "search document",
                "verbose_name_plural": "search documents",
                "indexes": [models.Index(fields=["kind", "-published_at"], name="cms_searchdoc_kind_date")],
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "object_id"), name="cms_searchdoc_kind_object")
                ],
            },
        ),
        migrations.RunPython(create_vector_index, drop_vector_index, elidable=False),
    ]
