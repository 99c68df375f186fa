"""The cross-sector enterprise view: credit profile, tax and electricity of each registered entity.

A sector without feeds: its gold tables read other sectors' silver and gold tables, so its
Airflow DAG is scheduled on their assets (it runs once all of them were updated).
"""

from pipelines.core.spec import Catalog, GoldMode, GoldSpec, Sector

OWNER = "江苏省大数据管理中心 Jiangsu Big Data Management Center"

SECTOR = Sector(
    name="enterprise",
    description="Cross-sector enterprise view: credit grade, tax paid and electricity consumed per USCC, "
    "with risk flags (power up while tax falls, dishonest still declaring, deregistered still consuming).",
    gold=(
        GoldSpec(
            name="enterprise_energy_daily",
            sources=("silver.energy_readings", "silver.energy_meters"),
            whole_sources=("silver.energy_meters",),
            build="pipelines.enterprise.gold:energy_daily",
            partition_by="date",
            catalog=Catalog(
                owner=OWNER,
                description="Electricity consumed per enterprise (USCC) and day, from the meters it owns.",
                description_zh="按统一社会信用代码和日期汇总的企业用电量",
                # One enterprise's consumption is commercially sensitive.
                sharing="conditional",
                retention_days=3 * 365,
            ),
        ),
        GoldSpec(
            name="enterprise_360",
            sources=("gold.credit_enterprise_profile", "silver.tax_returns", "gold.enterprise_energy_daily"),
            build="pipelines.enterprise.gold:enterprise_360",
            partition_by="as_of_date",
            mode=GoldMode.AS_OF,
            catalog=Catalog(
                owner=OWNER,
                description="One row per registered entity as of the date: credit grade, dishonesty, tax paid and "
                "electricity over 12 months, tax per MWh and risk flags.",
                description_zh="企业360画像（按日快照）：信用等级、失信标志、近12个月纳税额与用电量、每兆瓦时税额及风险标签",
                # Combines confidential tax and metering data of named enterprises.
                sharing="conditional",
                retention_days=400,
            ),
        ),
    ),
)
