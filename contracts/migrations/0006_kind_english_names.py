"""The contract kinds' English names, so an English reader sees "Purchase",
not "采购" (like the purchase methods' ``name_en``)."""

from django.db import migrations, models

ENGLISH = {
    "purchase": "Purchase",
    "commissioned": "Commissioned management",
    "reward": "Reward",
    "subsidy": "Subsidy",
}


def fill_english_names(apps, schema_editor):
    ContractKind = apps.get_model("contracts", "ContractKind")
    for code, name_en in ENGLISH.items():
        ContractKind.objects.filter(code=code, name_en="").update(name_en=name_en)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0005_evaluation")]

    operations = [
        migrations.AddField(
            model_name="contractkind",
            name="name_en",
            field=models.CharField(blank=True, max_length=80, verbose_name="name (English)"),
        ),
        migrations.RunPython(fill_english_names, migrations.RunPython.noop),
    ]
