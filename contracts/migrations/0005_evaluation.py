# Schema changes of milestone evaluation, surveys and acceptance (issue 15), if any.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contracts", "0004_delivery")]

    operations = []
