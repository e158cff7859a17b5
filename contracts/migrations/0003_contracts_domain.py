# Schema changes of the contract domain's services (issue 15), if any.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contracts", "0002_contract_kinds")]

    operations = []
