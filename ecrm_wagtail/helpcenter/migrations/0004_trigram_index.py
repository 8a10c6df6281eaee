"""pg_trgm and a trigram GIN index on the vocabulary, for typo-tolerant search.

Only on PostgreSQL; other databases get nothing here (typo correction uses difflib there).
Creating the extension needs a role allowed to (a superuser or the database owner on
PostgreSQL 13+, as pg_trgm is a trusted extension).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS ecrm_help_term_trgm ON ecrm_helpcenter_helpterm "
        "USING gin (term gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS ecrm_help_term_trgm")


class Migration(migrations.Migration):
    dependencies = [("ecrm_helpcenter", "0003_search")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
