import datetime as dt

from tinhso.core.workcalendar.arithmetic import TZ


def at(text: str) -> dt.datetime:
    """A moment in Vietnamese time from "2027-02-03 09:00"."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
