"""The province's clock: deliveries, business dates and local timestamps are Asia/Shanghai (UTC+8, no DST)."""

LOCAL_TZ = "Asia/Shanghai"
