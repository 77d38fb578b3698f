"""What running the kit costs on AWS: measured consumption per action × public prices.

Pure computation. Two data files feed it (read by `prachakhom.commands.cost`):

* `infra/usage.json`: what each action consumes (API requests, DynamoDB calls and request units,
  Lambda CPU time, bytes sent), measured by running the app against moto and building a demo site
  (`tests/cost_measure.py`; `tests/test_cost.py` checks the file still matches the app);
* `infra/prices.json`: AWS's prices per region, each figure with its source and the date it was read.

A scenario is one municipality's busy month: the month in which it collects proposals and votes
(everything a participatory-budgeting cycle does, done in one month), plus what runs anyway (the hourly
scheduler, storage). `yearly` adds eleven quiet months. Free tiers are not counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MB = 1_000_000
GB = 1_000_000_000
HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class Scenario:
    residents: int
    turnout: float
    proposals: int
    municipalities: int = 1
    visits_per_voter: float = 3.0
    """Visits to the site per voter (read the proposals, vote, check the receipt); non-voters who only
    read are counted in `readers_per_voter`."""
    readers_per_voter: float = 1.0
    pages_per_visit: float = 4.0
    comments_per_proposal: float = 3.0
    phase_changes: int = 6
    staff_per_municipality: int = 3
    alarms: bool = True
    """Whether the stack has alarms (an AlarmEmail was given): four alarms, shared by all municipalities."""

    def __post_init__(self) -> None:
        if self.residents < 0 or self.proposals < 0 or self.municipalities < 1:
            raise ValueError("residents and proposals must be ≥ 0, municipalities ≥ 1")
        if not 0 <= self.turnout <= 1:
            raise ValueError("turnout is a share between 0 and 1")

    @property
    def voters(self) -> float:
        return self.residents * self.turnout


@dataclass(frozen=True)
class Line:
    service: str
    item: str
    quantity: float
    unit: str
    unit_price: float
    source: str

    @property
    def cost(self) -> float:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Estimate:
    region: str
    scenario: Scenario
    lines: tuple[Line, ...] = field(default_factory=tuple)

    @property
    def total(self) -> float:
        return sum(line.cost for line in self.lines)

    @property
    def per_municipality(self) -> float:
        return self.total / self.scenario.municipalities

    def by_service(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in self.lines:
            out[line.service] = out.get(line.service, 0.0) + line.cost
        return out


def _price(prices: Mapping[str, Any], region: str, key: str) -> tuple[float, str]:
    regional = prices["regions"].get(region)
    if regional is None:
        raise KeyError(f"no prices for region {region!r}; known: {', '.join(sorted(prices['regions']))}")
    entry = regional[key]
    return float(entry["usd"]) / float(entry.get("per", 1)), str(entry["source"])


def monthly(scenario: Scenario, usage: Mapping[str, Any], prices: Mapping[str, Any], region: str,
            busy: bool = True) -> Estimate:
    """The month's bill for `scenario.municipalities` municipalities alike (busy: the cycle happens in it)."""
    n = scenario.municipalities
    actions = usage["actions"]
    counts: dict[str, float] = {}
    if busy:
        voters = scenario.voters
        visits = voters * (scenario.visits_per_voter + scenario.readers_per_voter)
        counts = {
            "ballot": voters,
            "receipt_check": voters * 0.5,
            "proposal": scenario.proposals,
            "comment": scenario.proposals * scenario.comments_per_proposal,
            "comments_read": visits * scenario.pages_per_visit * 0.25,  # a proposal page loads its comments
            "moderation": scenario.proposals,
            "phase_change": scenario.phase_changes,
        }
        page_views = visits * scenario.pages_per_visit
        first_visits = voters * (1 + scenario.readers_per_voter)
        rebuilds = float(scenario.proposals + scenario.phase_changes)  # each decision and phase change republishes
    else:
        page_views = first_visits = rebuilds = 0.0
    counts = {k: v * n for k, v in counts.items()}
    api_requests = sum(counts.values())
    wru = sum(counts[k] * actions[k]["wru"] for k in counts)
    rru = sum(counts[k] * actions[k]["rru"] for k in counts)
    api_cpu = sum(counts[k] * actions[k]["lambda_seconds"] for k in counts)
    api_memory = usage["functions"]["api"]["memory_gb"]

    rebuild = usage["rebuild"]
    rebuild_count = rebuilds * n
    rru += rebuild_count * rebuild["rru"]
    scheduler = usage["functions"]["scheduler"]
    scheduler_runs = HOURS_PER_MONTH  # one deployment: one scheduler for every municipality
    rru += scheduler_runs * scheduler["rru_per_municipality"] * n
    site = usage["site"]
    lambda_requests = api_requests + rebuild_count + scheduler_runs
    gb_seconds = (api_cpu * api_memory + rebuild_count * rebuild["lambda_seconds"] * rebuild["memory_gb"]
                  + scheduler_runs * (scheduler["lambda_seconds"] + scheduler["seconds_per_municipality"] * n)
                  * scheduler["memory_gb"])
    transfer_gb = ((page_views * site["page_bytes_compressed"] + first_visits * site["assets_bytes_compressed"]) * n
                   + api_requests * usage["api_response_bytes"]) / GB
    cdn_requests = page_views * n + first_visits * n * site["asset_files_per_first_visit"] + api_requests
    stored_gb = (usage["table_bytes_per_voter"] * scenario.voters
                 + usage["table_bytes_per_proposal"] * scenario.proposals) * n / GB
    site_gb = site["bytes_per_municipality"] * n * 2 / GB  # current pages and a week of replaced versions
    log_gb = lambda_requests * usage["log_bytes_per_invocation"] / GB

    def line(service: str, item: str, quantity: float, unit: str, key: str) -> Line:
        price, source = _price(prices, region, key)
        return Line(service, item, quantity, unit, price, source)

    lines = [
        line("API Gateway", "REST API requests", api_requests, "request", "apigateway_request"),
        line("Lambda", "requests", lambda_requests, "request", "lambda_request"),
        line("Lambda", "compute", gb_seconds, "GB-second", "lambda_gb_second"),
        line("DynamoDB", "write request units", wru, "WRU", "dynamodb_wru"),
        line("DynamoDB", "read request units", rru, "RRU", "dynamodb_rru"),
        line("DynamoDB", "storage", stored_gb, "GB-month", "dynamodb_storage_gb_month"),
        line("DynamoDB", "point-in-time recovery", stored_gb, "GB-month", "dynamodb_pitr_gb_month"),
        line("S3", "storage (sites, a week of old versions)", site_gb, "GB-month", "s3_storage_gb_month"),
        line("S3", "PUT/LIST (publishing)", rebuild_count * site["files_per_municipality"], "request", "s3_put"),
        line("S3", "GET (CloudFront cache misses)", cdn_requests * 0.1, "request", "s3_get"),
        line("CloudFront", "data transfer out", transfer_gb, "GB", "cloudfront_gb"),
        line("CloudFront", "HTTPS requests", cdn_requests, "request", "cloudfront_https_request"),
        line("CloudFront", "directory-index function", page_views * n, "invocation", "cloudfront_function"),
        line("CloudWatch", "log ingestion", log_gb, "GB", "logs_ingest_gb"),
        line("CloudWatch", "alarms", 4 if scenario.alarms else 0, "alarm-month", "alarm_month"),
        line("Cognito", "staff (monthly active users)", scenario.staff_per_municipality * n if busy else 0, "MAU",
             "cognito_mau"),
    ]
    return Estimate(region, scenario, tuple(lines))


def yearly(scenario: Scenario, usage: Mapping[str, Any], prices: Mapping[str, Any], region: str) -> float:
    """A year: one busy month (the cycle) and eleven quiet ones, per municipality alike."""
    return monthly(scenario, usage, prices, region).total + 11 * monthly(scenario, usage, prices, region,
                                                                          busy=False).total


def round_up(value: float, step: float = 0.01) -> float:
    return math.ceil(value / step) * step
