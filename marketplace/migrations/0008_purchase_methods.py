"""The five purchase methods, as configuration (officers may change the
numbers in the admin; the code reads only these fields)."""

from decimal import Decimal

from django.db import migrations

METHODS = [
    # code, name, name_en, min_period, unit, min bids, committee, addendum days, addendum unit,
    # named organization, justification, budget cap, one bid per organization
    ("public_tender", "公开招标", "Public tender", 20, "calendar", 3, 5, 15, "calendar", False, False, None, False),
    (
        "consultation",
        "竞争性磋商",
        "Competitive consultation",
        10,
        "calendar",
        2,
        3,
        5,
        "calendar",
        False,
        False,
        None,
        False,
    ),
    ("commission", "委托", "Commission", 3, "working", 1, 3, 3, "working", True, True, None, False),
    (
        "venture",
        "公益创投",
        "Public-welfare venture",
        15,
        "calendar",
        3,
        5,
        5,
        "calendar",
        False,
        False,
        Decimal("100000.00"),
        True,
    ),
    ("single_source", "单一来源", "Single source", 5, "working", 1, 3, 5, "working", True, True, None, False),
]

DESCRIPTIONS = {
    "public_tender": "面向所有符合准入标准的社会组织公开征集，截止前不少于20日。",
    "consultation": "与符合条件的社会组织分别磋商，截止前不少于10日。",
    "commission": "委托指定的社会组织承接，须公开说明理由。",
    "venture": "公益创投大赛：单个项目设资助上限，每个组织每年只能参加一个项目。",
    "single_source": "只能向唯一的社会组织购买，须公示不少于5个工作日后方可确定。",
}


def create(apps, schema_editor):
    PurchaseMethod = apps.get_model("marketplace", "PurchaseMethod")
    for position, row in enumerate(METHODS):
        (code, name, name_en, period, unit, bids, committee, add_days, add_unit, named, justify, cap, one) = row
        PurchaseMethod.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "description": DESCRIPTIONS[code],
                "position": position,
                "min_period": period,
                "period_unit": unit,
                "min_valid_bids": bids,
                "committee_size": committee,
                "addendum_min_days": add_days,
                "addendum_unit": add_unit,
                "named_organization": named,
                "justification_required": justify,
                "budget_cap": cap,
                "one_bid_per_organization": one,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0007_projects_and_bids")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
