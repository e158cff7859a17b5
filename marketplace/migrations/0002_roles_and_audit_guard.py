"""Role groups with their permissions, the audit chain head, and (on
PostgreSQL) a trigger that refuses UPDATE and DELETE on audit events."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate);
    # create them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    from marketplace.core.roles import sync_roles

    sync_roles(apps, using=schema_editor.connection.alias)


def remove_roles(apps, schema_editor):
    from marketplace.core.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=[r.key for r in ROLES]).delete()


def create_chain_head(apps, schema_editor):
    apps.get_model("marketplace", "AuditChainHead").objects.get_or_create(pk=1)


APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION marketplace_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'audit events are append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER marketplace_audit_append_only
    BEFORE UPDATE OR DELETE ON marketplace_auditevent
    FOR EACH ROW EXECUTE FUNCTION marketplace_audit_append_only();
"""
DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS marketplace_audit_append_only ON marketplace_auditevent;
DROP FUNCTION IF EXISTS marketplace_audit_append_only();
"""


def add_pg_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def drop_pg_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [
        migrations.RunPython(create_chain_head, migrations.RunPython.noop),
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunPython(add_pg_guard, drop_pg_guard),
    ]
