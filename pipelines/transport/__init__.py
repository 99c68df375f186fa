"""The transport sector (省交通运输厅): gantry register, ETC passages and hub passenger
flow to hourly gantry traffic and hourly hub flow."""

from pipelines.core.spec import Catalog, FeedSpec, GoldSpec, Sector, SilverSpec, WriteMode

OWNER = "江苏省交通运输厅 Jiangsu Provincial Department of Transport"

SECTOR = Sector(
    name="transport",
    description="ETC gantry register and passages, hub passenger flow to hourly gantry traffic and hub flow.",
    silver=(
        SilverSpec(
            name="transport_gantries",
            feed=FeedSpec("transport", "gantries"),
            transform="pipelines.transport.silver:clean_gantries",
            key=("gantry_id",),
            write=WriteMode.SNAPSHOT,
            catalog=Catalog(
                owner=OWNER,
                description="Highway ETC gantry register as last delivered: road, km marker, direction, location.",
                description_zh="高速公路ETC门架档案（最新一日全量）：路线、桩号、方向、位置",
                sharing="open",
            ),
        ),
        SilverSpec(
            name="transport_etc_passages",
            feed=FeedSpec("transport", "etc_passages"),
            transform="pipelines.transport.silver:clean_passages",
            key=("passage_id",),
            partition_by="date",
            catalog=Catalog(
                owner=OWNER,
                description="ETC gantry passages with the plate tokenized (province, issuing city and plate type "
                "kept), by local day.",
                description_zh="ETC门架通行记录（车牌已令牌化，仅保留省份、发牌城市与号牌类型），按本地日期分区",
                # The token is a stable pseudonym: passages of one vehicle link into a trajectory.
                sharing="conditional",
                pii_columns=("plate_no_token",),
                retention_days=365,
            ),
        ),
        SilverSpec(
            name="transport_hub_flow",
            feed=FeedSpec("transport", "hub_flow"),
            transform="pipelines.transport.silver:clean_hub_flow",
            key=("hub_id", "window_start"),
            partition_by="date",
            catalog=Catalog(
                owner=OWNER,
                description="Passenger entries and exits per transport hub and 5-minute window, by local day.",
                description_zh="综合交通枢纽每5分钟进出站客流，按本地日期分区",
                sharing="open",
            ),
        ),
    ),
    gold=(
        GoldSpec(
            name="transport_gantry_hourly",
            sources=("transport_etc_passages", "transport_gantries"),
            whole_sources=("transport_gantries",),
            build="pipelines.transport.gold:gantry_hourly",
            partition_by="date",
            catalog=Catalog(
                owner=OWNER,
                description="Vehicles, trucks and toll fees per ETC gantry and hour.",
                description_zh="按小时、门架汇总的通行车辆数、货车数及通行费",
                # Not open (ADR 0009): in a gantry-hour with one vehicle, the fee is that trip's toll
                # (its length) and the truck count its class.
                sharing="conditional",
            ),
        ),
        GoldSpec(
            name="transport_hub_flow_hourly",
            sources=("transport_hub_flow",),
            build="pipelines.transport.gold:hub_flow_hourly",
            partition_by="date",
            catalog=Catalog(
                owner=OWNER,
                description="Passenger entries and exits per hub and hour, with the hub's peak hours flagged.",
                description_zh="按小时、枢纽汇总的进出站客流，并标记高峰小时",
                sharing="open",
            ),
        ),
    ),
)
