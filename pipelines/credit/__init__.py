"""The credit sector (公共信用信息平台): the market entity register and sanctions to credit profiles
and the joint-punishment list."""

from pipelines.core.spec import Catalog, FeedSpec, GoldMode, GoldSpec, Sector, SilverSpec, WriteMode

REGISTER_OWNER = "江苏省市场监督管理局 Jiangsu Administration for Market Regulation"
CREDIT_OWNER = "江苏省公共信用信息中心 Jiangsu Public Credit Information Center"

SECTOR = Sector(
    name="credit",
    description="Market entity register changes (JSON Lines, SCD2) and sanctions (CSV) to credit profiles "
    "and the joint-punishment list.",
    silver=(
        SilverSpec(
            name="credit_legal_entity",
            feed=FeedSpec("credit", "legal_entity"),
            transform="pipelines.credit.silver:clean_legal_entities",
            key=("uscc",),
            order_by=("updated_at",),
            write=WriteMode.SCD2,
            catalog=Catalog(
                owner=REGISTER_OWNER,
                description="Market entity register with full history (SCD2: valid_from, valid_to, is_current); "
                "legal representative tokenized.",
                description_zh="市场主体登记信息及完整变更历史（SCD2），法定代表人信息已令牌化",
                sharing="conditional",
                pii_columns=("legal_rep_name_token", "legal_rep_id_no_token"),
            ),
        ),
        SilverSpec(
            name="credit_sanctions",
            feed=FeedSpec("credit", "sanctions"),
            transform="pipelines.credit.silver:clean_sanctions",
            key=("record_id",),
            order_by=("updated_at",),
            catalog=Catalog(
                owner=CREDIT_OWNER,
                description="Administrative penalties and dishonesty records, latest status of each "
                "(credit repairs and revocations applied).",
                description_zh="行政处罚与失信记录（已应用信用修复与撤销，每条记录取最新状态）",
                sharing="conditional",
            ),
        ),
    ),
    gold=(
        GoldSpec(
            name="credit_enterprise_profile",
            sources=("credit_legal_entity", "credit_sanctions"),
            build="pipelines.credit.gold:enterprise_profile",
            partition_by="as_of_date",
            mode=GoldMode.AS_OF,
            catalog=Catalog(
                owner=CREDIT_OWNER,
                description="One row per market entity as of the date: register status, sanctions in force, "
                "dishonesty flag and credit grade A-D.",
                description_zh="按日快照的市场主体信用画像：登记状态、有效处罚数、失信标志与信用等级（A-D）",
                sharing="conditional",
                retention_days=400,
            ),
        ),
        GoldSpec(
            name="credit_joint_punishment",
            sources=("credit_legal_entity", "credit_sanctions"),
            build="pipelines.credit.gold:joint_punishment",
            partition_by="as_of_date",
            mode=GoldMode.AS_OF,
            catalog=Catalog(
                owner=CREDIT_OWNER,
                description="Entities under joint punishment as of the date (dishonesty records in force): "
                "categories and since when.",
                description_zh="联合惩戒对象名单（按日快照）：有效失信记录类别及起始日期",
                sharing="open",
                retention_days=400,
            ),
        ),
    ),
)
