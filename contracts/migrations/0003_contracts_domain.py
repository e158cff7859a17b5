"""The contract domain's data (issue 15):

- a general set of contract clauses (for every kind without its own), live
  and with a published revision, so a contract's PDF has clause text on a
  new installation; editors change it in the CMS (a snippet with revisions);
- on PostgreSQL, a deferred constraint trigger: once a contract has left
  the draft, the shares of its milestones sum to exactly 100 at commit
  (amendments change several milestones in one transaction)."""

from django.db import migrations
from django.utils import timezone

CLAUSES_NAME = "通用合同条款"
GENERAL = """甲方按照本合同约定的服务内容、数量、质量标准和节点，组织对乙方服务的监督与评估，并按验收结果支付合同价款。
乙方应按照本合同约定的服务内容和标准，组织具备相应能力的服务人员提供服务，如实记录服务台账，按节点提交服务报告及佐证材料。
乙方应接受服务所在社区、居民委员会和第三方评估机构的监督，配合开展居民满意度测评。
乙方应依法保护服务对象的个人信息，不得泄露或者用于本合同以外的用途。
未经甲方书面同意，乙方不得将本合同项下的服务转包或者分包。
本合同的变更须经双方确认后以书面（电子）形式作出，变更内容作为本合同的组成部分。"""
BREACH = """乙方未按约定提供服务或者服务质量未达到约定标准的，甲方有权要求乙方限期整改；整改后节点评估仍不合格的，该节点价款不予支付。
乙方严重违约、弄虚作假或者造成服务对象人身财产损害的，甲方有权解除合同，并依法追究乙方责任。
甲方无正当理由逾期支付已验收节点价款的，应当按照有关规定承担相应责任。"""
DISPUTES = """因本合同发生的争议，双方应当协商解决；协商不成的，可以依法申请行政复议、提起行政诉讼或者向有管辖权的人民法院提起诉讼。"""

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION contracts_check_milestone_shares() RETURNS trigger AS $$
DECLARE
    cid bigint;
    current_state varchar;
    total numeric;
BEGIN
    IF TG_TABLE_NAME = 'contracts_contract' THEN
        cid := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        cid := OLD.contract_id;
    ELSE
        cid := NEW.contract_id;
    END IF;
    SELECT state INTO current_state FROM contracts_contract WHERE id = cid;
    IF current_state IS NULL OR current_state = 'draft' THEN
        RETURN NULL;
    END IF;
    SELECT COALESCE(SUM(share), 0) INTO total FROM contracts_milestone WHERE contract_id = cid;
    IF total <> 100 THEN
        RAISE EXCEPTION 'contract_milestone_shares_100: the milestone shares of contract % sum to %, not 100', cid, total
            USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER contract_milestone_shares_100
    AFTER INSERT OR UPDATE OR DELETE ON contracts_milestone
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION contracts_check_milestone_shares();

CREATE CONSTRAINT TRIGGER contract_state_shares_100
    AFTER INSERT OR UPDATE OF state ON contracts_contract
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION contracts_check_milestone_shares();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS contract_state_shares_100 ON contracts_contract;
DROP TRIGGER IF EXISTS contract_milestone_shares_100 ON contracts_milestone;
DROP FUNCTION IF EXISTS contracts_check_milestone_shares();
"""


def add_clauses(apps, schema_editor):
    ContractClauses = apps.get_model("contracts", "ContractClauses")
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContractClauses.objects.filter(kind__isnull=True).exists():
        return
    now = timezone.now()
    clauses = ContractClauses.objects.create(
        name=CLAUSES_NAME,
        kind=None,
        general=GENERAL,
        breach=BREACH,
        disputes=DISPUTES,
        live=True,
        first_published_at=now,
        last_published_at=now,
    )
    content_type, _created = ContentType.objects.get_or_create(app_label="contracts", model="contractclauses")
    content = {
        "pk": clauses.pk,
        "id": clauses.pk,
        "name": CLAUSES_NAME,
        "kind": None,
        "general": GENERAL,
        "breach": BREACH,
        "disputes": DISPUTES,
        "live": True,
        "has_unpublished_changes": False,
        "first_published_at": now.isoformat(),
        "last_published_at": now.isoformat(),
        "go_live_at": None,
        "expire_at": None,
        "expired": False,
        "latest_revision": None,
        "live_revision": None,
    }
    revision = Revision.objects.create(
        content_type=content_type,
        base_content_type=content_type,
        object_id=str(clauses.pk),
        created_at=now,
        object_str=CLAUSES_NAME,
        content=content,
    )
    ContractClauses.objects.filter(pk=clauses.pk).update(latest_revision=revision, live_revision=revision)


def _run(schema_editor, sql):
    # A cursor without parameters: the function's text has "%" placeholders of its own.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, TRIGGER_SQL)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0002_contract_kinds"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(add_clauses, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
