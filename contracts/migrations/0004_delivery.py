# Schema changes of delivery and supervision (issue 15), if any.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contracts", "0003_contracts_domain")]

    operations = []
