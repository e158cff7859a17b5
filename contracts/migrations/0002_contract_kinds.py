"""The four contract kinds of the source documents, as configuration rows
(like purchase methods): purchase (采购), commissioned management (委托管理),
reward (奖励: one payment after the final evaluation) and subsidy (补贴: a
capped share of documented cost).  Officers may edit them; nothing in the code
branches on their codes."""

from decimal import Decimal

from django.db import migrations

KINDS = [
    ("purchase", "采购", "按合同约定的节点，每个验收合格的节点支付相应份额。", "milestones", None, 1),
    ("commissioned", "委托管理", "委托社会组织管理运营服务设施或项目，按节点验收支付。", "milestones", None, 2),
    ("reward", "奖励", "服务完成并经最终评估合格后一次性支付。", "final", None, 3),
    (
        "subsidy",
        "补贴",
        "按节点对有据可查的服务成本给予一定比例的补贴，不超过合同金额。",
        "cost_share",
        Decimal("50"),
        4,
    ),
]


def add_kinds(apps, schema_editor):
    ContractKind = apps.get_model("contracts", "ContractKind")
    for code, name, description, schedule, cap, order in KINDS:
        ContractKind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "schedule": schedule,
                "cost_share_cap": cap,
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]

    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
