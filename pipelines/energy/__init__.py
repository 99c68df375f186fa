"""The energy sector (国网江苏省电力): meter register and 15-minute readings to daily
consumption by segment and city load curves."""

from pipelines.core.spec import Catalog, FeedSpec, GoldSpec, Sector, SilverSpec, WriteMode

OWNER = "国网江苏省电力有限公司 State Grid Jiangsu Electric Power"

SECTOR = Sector(
    name="energy",
    description="Meter register (CSV snapshot) and 15-minute readings (Parquet) to daily consumption and load curves.",
    silver=(
        SilverSpec(
            name="energy_meters",
            feed=FeedSpec("energy", "meters"),
            transform="pipelines.energy.silver:clean_meters",
            key=("meter_id",),
            write=WriteMode.SNAPSHOT,
            catalog=Catalog(
                owner=OWNER,
                description="Electricity meter register as last delivered: customer type, owner USCC, city, industry.",
                description_zh="电能表档案（最新一日全量）：用户类型、用电单位信用代码、所属城市与行业",
                sharing="conditional",
            ),
        ),
        SilverSpec(
            name="energy_readings",
            feed=FeedSpec("energy", "readings"),
            transform="pipelines.energy.silver:clean_readings",
            key=("meter_id", "reading_ts"),
            partition_by="date",
            # A day's readings Z-ordered by meter: one meter's curve reads a few files, not all.
            cluster_by=("meter_id",),
            catalog=Catalog(
                owner=OWNER,
                description="15-minute interval energy per meter, latest delivery of each interval, by local day.",
                description_zh="电能表15分钟电量（每个时段取最新送达值），按本地日期分区",
                sharing="conditional",
                retention_days=3 * 365,
            ),
        ),
    ),
    gold=(
        GoldSpec(
            name="energy_consumption_daily",
            sources=("energy_readings", "energy_meters"),
            whole_sources=("energy_meters",),
            build="pipelines.energy.gold:consumption_daily",
            partition_by="date",
            catalog=Catalog(
                owner=OWNER,
                description="Daily electricity consumption (kWh) and reporting meters per city, customer type "
                "and industry section.",
                description_zh="按日期、城市、用户类型、行业门类汇总的日用电量及上报表计数",
                # A segment with one enterprise meter discloses that enterprise's consumption.
                sharing="conditional",
            ),
        ),
        GoldSpec(
            name="energy_load_curve",
            sources=("energy_readings", "energy_meters"),
            whole_sources=("energy_meters",),
            build="pipelines.energy.gold:load_curve",
            partition_by="date",
            catalog=Catalog(
                owner=OWNER,
                description="City load curves: average load (kW) per day, city and 15-minute slot (0-95).",
                description_zh="城市负荷曲线：按日期、城市、15分钟时段（0-95）的平均负荷（千瓦）",
                sharing="open",
            ),
        ),
    ),
)
