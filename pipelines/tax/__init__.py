"""The tax sector (省税务局): monthly declarations to monthly revenue by city and industry."""

from pipelines.core.spec import Catalog, FeedSpec, GoldSpec, Sector, SilverSpec

OWNER = "省税务局 Jiangsu Provincial Tax Service"

SECTOR = Sector(
    name="tax",
    description="Monthly tax declarations (GBK CSV) to silver declarations and gold monthly revenue.",
    silver=(
        SilverSpec(
            name="tax_returns",
            feed=FeedSpec("tax", "returns"),
            transform="pipelines.tax.silver:clean_returns",
            key=("declaration_id",),
            order_by=("version",),
            partition_by="tax_period",
            catalog=Catalog(
                owner=OWNER,
                description="Tax declarations, latest version of each (amendments applied).",
                description_zh="纳税申报明细（已应用更正申报，每个申报取最新版本）",
                sharing="conditional",
            ),
        ),
    ),
    gold=(
        GoldSpec(
            name="tax_revenue_monthly",
            sources=("tax_returns",),
            build="pipelines.tax.gold:revenue_monthly",
            partition_by="tax_period",
            catalog=Catalog(
                owner=OWNER,
                description="Tax due and paid per month, city, industry section and tax type.",
                description_zh="按月份、城市、行业门类、税种汇总的应纳税额与已缴税额",
                # Not open (ADR 0009): a third of the cells hold one taxpayer, whose tax they disclose.
                sharing="conditional",
                update_frequency="daily",
            ),
        ),
    ),
)
