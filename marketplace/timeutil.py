"""Business dates are China's (Asia/Shanghai), not UTC."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


def china_today() -> date:
    return datetime.now(CHINA).date()
