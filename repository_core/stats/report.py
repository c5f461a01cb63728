"""The COUNTER Release 5 Dataset Report (DSR) in SUSHI JSON.

The shape is the ``COUNTER_dataset_report`` of the COUNTER_SUSHI5 API, as
the Code of Practice for Research Data (Make Data Count) uses it: a
``Report_Header`` (the period in ``Report_Filters`` as ``Begin_Date`` and
``End_Date``) and ``Report_Datasets``, one item per dataset and access
method, with one ``Performance`` entry per calendar month of the period.
As COUNTER asks of JSON reports, metrics with a zero count are left out,
so ``*_Dataset_Requests`` appear only where something was downloaded; a
period without usage has no item, and the header then carries exception
3030 (No Usage Available for Requested Dates).

Figures come from processed daily rows; the report reads no raw event.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..datestamps import utcnow
from ..errors import InvalidUsageQuery
from ..models import RecordRow
from .reading import UsageTotals, parse_date
from .tables import UsageDailyRow

__all__ = ["MAX_REPORT_MONTHS", "METRIC_TYPES", "dataset_report"]

MAX_REPORT_MONTHS = 24
METRIC_TYPES = {
    "total_investigations": "Total_Dataset_Investigations",
    "unique_investigations": "Unique_Dataset_Investigations",
    "total_requests": "Total_Dataset_Requests",
    "unique_requests": "Unique_Dataset_Requests",
}
NO_USAGE = {"Code": 3030, "Severity": "Error",
            "Message": "No Usage Available for Requested Dates"}
NOT_READY = {"Code": 3031, "Severity": "Warning",
             "Message": "Usage Not Ready for Requested Dates"}


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _report_period(begin: str | date, end: str | date) -> tuple[date, date]:
    first = parse_date(begin, "begin_date")
    last = parse_date(end, "end_date")
    if first is None or last is None:
        raise InvalidUsageQuery("begin_date and end_date are required", parameter="begin_date")
    if isinstance(end, str) and len(end.strip()) == 7:  # YYYY-MM: the whole month
        last = _month_end(last)
    if first > last:
        raise InvalidUsageQuery(f"begin_date ({first}) is after end_date ({last})",
                                parameter="begin_date")
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months > MAX_REPORT_MONTHS:
        raise InvalidUsageQuery(f"a report covers at most {MAX_REPORT_MONTHS} months",
                                parameter="end_date")
    return first, last


def _title(metadata: dict[str, Any]) -> str:
    titles = metadata.get("titles") or []
    plain = [t for t in titles if isinstance(t, dict) and not t.get("titleType")]
    for title in plain or titles:
        if isinstance(title, dict) and title.get("title"):
            return str(title["title"])
    return ""


def _publisher(metadata: dict[str, Any]) -> str:
    publisher = metadata.get("publisher")
    if isinstance(publisher, dict):
        return str(publisher.get("name") or "")
    return str(publisher or "")


def _dataset_ids(record_id: str, doi: str | None, platform: str) -> list[dict[str, str]]:
    if doi:
        return [{"Type": "DOI", "Value": doi}]
    return [{"Type": "Proprietary", "Value": f"{platform}:{record_id}"}]


def dataset_report(
    session: Session,
    begin: str | date,
    end: str | date,
    *,
    platform: str,
    institution_name: str,
    created_by: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The DSR of ``begin``..``end`` (inclusive; ``YYYY-MM`` or ``YYYY-MM-DD``).

    Raises ``InvalidUsageQuery`` for malformed or reversed dates, or more
    than ``MAX_REPORT_MONTHS`` months.
    """
    first, last = _report_period(begin, end)
    now = (now or utcnow()).astimezone(UTC)
    d = UsageDailyRow
    usage: dict[tuple[str, str], dict[date, UsageTotals]] = defaultdict(dict)
    month = first.replace(day=1)
    while month <= last:  # one grouped range a month: no per-row month arithmetic
        for rid, method, *values in session.execute(
            select(d.record_id, d.access_method,
                   func.sum(d.total_investigations), func.sum(d.unique_investigations),
                   func.sum(d.total_requests), func.sum(d.unique_requests))
            .where(d.day >= max(month, first), d.day <= min(_month_end(month), last))
            .group_by(d.record_id, d.access_method)
        ):
            usage[(rid, method)][month] = UsageTotals(*(int(v) for v in values))
        month = _month_end(month) + timedelta(days=1)

    ids = sorted({rid for rid, _ in usage})
    # only the columns an item shows: no ORM object per record
    records: dict[str, tuple[str | None, dict[str, Any]]] = {}
    for i in range(0, len(ids), 500):
        for found_id, doi, metadata in session.execute(
            select(RecordRow.id, RecordRow.doi, RecordRow.metadata_json)
            .where(RecordRow.id.in_(ids[i:i + 500]))
        ):
            records[found_id] = (doi, metadata)

    datasets = []
    for (rid, method), months in sorted(usage.items()):
        found = records.get(rid)
        if found is None:  # usage of an id that was never a record: nothing to describe
            continue
        performance = []
        for month, totals in sorted(months.items()):
            instances = [{"Metric_Type": name, "Count": getattr(totals, field)}
                         for field, name in METRIC_TYPES.items() if getattr(totals, field)]
            if instances:
                performance.append({
                    "Period": {"Begin_Date": max(month, first).isoformat(),
                               "End_Date": min(_month_end(month), last).isoformat()},
                    "Instance": instances,
                })
        if not performance:
            continue
        doi, metadata = found
        item: dict[str, Any] = {
            "Dataset_Title": _title(metadata),
            "Dataset_ID": _dataset_ids(rid, doi, platform),
            "Platform": platform,
            "Publisher": _publisher(metadata),
            "Data_Type": "Dataset",
            "Access_Method": method,
            "Performance": performance,
        }
        year = metadata.get("publicationYear")
        if year:
            item["YOP"] = str(year)
        datasets.append(item)

    exceptions = []
    if last >= now.date():
        exceptions.append(NOT_READY)
    if not datasets:
        exceptions.append(NO_USAGE)
    header: dict[str, Any] = {
        "Created": now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "Created_By": created_by,
        "Report_ID": "DSR",
        "Release": "5",
        "Report_Name": "Dataset Report",
        "Institution_Name": institution_name,
        "Report_Filters": [{"Name": "Begin_Date", "Value": first.isoformat()},
                           {"Name": "End_Date", "Value": last.isoformat()}],
        "Report_Attributes": [{"Name": "Attributes_To_Show", "Value": "Data_Type|Access_Method"}],
        "Exceptions": exceptions,
    }
    return {"Report_Header": header, "Report_Datasets": datasets}
