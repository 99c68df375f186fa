"""The health sector (省卫生健康委): the hospital register and outpatient visits to weekly
syndromic surveillance and its open publication."""

from pipelines.core.spec import Catalog, FeedSpec, GoldSpec, Sector, SilverSpec, WriteMode

OWNER = "江苏省卫生健康委员会 Jiangsu Provincial Health Commission"
VISIT_SOURCES = ("health_outpatient_visits", "health_hospitals")

SECTOR = Sector(
    name="health",
    description="Hospital register (CSV snapshot) and outpatient visits (JSON Lines, PII tokenized) to weekly "
    "syndromic surveillance with outbreak alerts and its open, small-count-suppressed publication.",
    silver=(
        SilverSpec(
            name="health_hospitals",
            feed=FeedSpec("health", "hospitals"),
            transform="pipelines.health.silver:clean_hospitals",
            key=("hospital_code",),
            write=WriteMode.SNAPSHOT,
            catalog=Catalog(
                owner=OWNER,
                description="Hospital register as last delivered: code, name, level, division and city.",
                description_zh="医疗机构名录（最新全量）：编码、名称、等级、行政区划与城市",
                sharing="open",
            ),
        ),
        SilverSpec(
            name="health_outpatient_visits",
            feed=FeedSpec("health", "outpatient_visits"),
            transform="pipelines.health.silver:clean_visits",
            key=("visit_id",),
            partition_by="iso_week",
            catalog=Catalog(
                owner=OWNER,
                description="Outpatient visits, de-identified: patient tokens, birth year, gender, age band, "
                "home city; diagnosis with its syndrome group; latest delivery of each visit.",
                description_zh="门诊就诊记录（去标识化）：患者令牌、出生年份、性别、年龄段、居住城市；诊断及症候群",
                sharing="restricted",
                pii_columns=("patient_id_no_token", "patient_name_token", "patient_phone_token"),
                retention_days=5 * 365,
            ),
        ),
    ),
    gold=(
        GoldSpec(
            name="health_syndromic_weekly",
            sources=VISIT_SOURCES,
            whole_sources=("health_hospitals",),
            build="pipelines.health.gold:syndromic_weekly",
            partition_by="iso_week",
            catalog=Catalog(
                owner=OWNER,
                description="Weekly outpatient visits per city and syndrome group (ICD-10) with a same-week "
                "cross-city baseline and outbreak alerts.",
                description_zh="按ISO周、城市、症候群统计的门诊量，含同周跨城市基线与暴发预警",
                sharing="conditional",
                update_frequency="daily (weekly grain)",
            ),
        ),
        GoldSpec(
            name="open_health_weekly",
            sources=VISIT_SOURCES,
            whole_sources=("health_hospitals",),
            build="pipelines.health.gold:open_weekly",
            partition_by="iso_week",
            catalog=Catalog(
                owner=OWNER,
                description="Weekly syndromic surveillance for publication, complete ISO weeks only: counts under 5 "
                "suppressed (null, suppressed = true) with complementary suppression across cities and groups, so "
                "that no cell can be recovered from the published counts, city totals, province totals, baselines "
                "or alert flags.",
                description_zh="症候群周监测开放数据（仅完整ISO周）：小于5的计数已抑制（置空并标记suppressed），"
                "并在城市与症候群两个方向做补充抑制，任何单元格均无法由已公开的计数、城市合计、全省合计、基线或预警反推",
                sharing="open",
                update_frequency="weekly (each complete ISO week, published once its Sunday is delivered)",
            ),
        ),
        GoldSpec(
            name="open_health_weekly_province",
            sources=VISIT_SOURCES,
            whole_sources=("health_hospitals",),
            build="pipelines.health.gold:open_weekly_province",
            partition_by="iso_week",
            catalog=Catalog(
                owner=OWNER,
                description="Province totals of the open weekly syndromic surveillance per complete ISO week and "
                "syndrome group, suppressed together with the city table (null, suppressed = true).",
                description_zh="症候群周监测开放数据的全省合计（按完整ISO周与症候群），与城市表统一抑制（置空并标记suppressed）",
                sharing="open",
                update_frequency="weekly (each complete ISO week, published once its Sunday is delivered)",
            ),
        ),
    ),
)
