"""The cost model: its arithmetic, its data files, the command, and that infra/usage.json is still what
the app consumes (re-measured here against moto; `python tests/bench/cost_profile.py` rewrites it)."""

from __future__ import annotations

import json
import math

import pytest

from prachakhom.cost import Scenario, monthly, yearly
from tests.infra_fixtures import ROOT

USAGE = json.loads((ROOT / "infra" / "usage.json").read_text(encoding="utf-8"))
PRICES = json.loads((ROOT / "infra" / "prices.json").read_text(encoding="utf-8"))
SMALL = Scenario(residents=5000, turnout=0.2, proposals=100)


def test_prices_file_names_a_date_and_a_source_for_every_figure():
    assert PRICES["as_of"] and PRICES["currency"] == "USD"
    keys = None
    for region, figures in PRICES["regions"].items():
        assert region in ("ap-southeast-7", "ap-southeast-1")
        keys = keys or set(figures)
        assert set(figures) == keys, region
        for name, entry in figures.items():
            assert entry["source"].startswith("https://aws.amazon.com/"), name
            assert entry["usd"] > 0 and entry["per"] >= 1 and entry["unit"] and entry["basis"], name


def test_a_small_municipality_costs_under_a_dollar_a_month_in_both_regions():
    for region in PRICES["regions"]:
        busy = monthly(SMALL, USAGE, PRICES, region)
        assert 0 < busy.total < 1.0, (region, busy.by_service())
        quiet = monthly(SMALL, USAGE, PRICES, region, busy=False)
        assert quiet.total < busy.total
        assert yearly(SMALL, USAGE, PRICES, region) == pytest.approx(busy.total + 11 * quiet.total)


def test_the_arithmetic_line_by_line():
    """Each line is quantity × unit price, and the quantities follow the scenario and the usage file."""
    region = "ap-southeast-1"
    estimate = monthly(SMALL, USAGE, PRICES, region)
    lines = {(line.service, line.item): line for line in estimate.lines}
    voters = 1000
    a = USAGE["actions"]
    counts = {"ballot": voters, "receipt_check": voters * 0.5, "proposal": 100, "comment": 300,
              "moderation": 100, "phase_change": 6, "comments_read": voters * 4 * 4 * 0.25}
    wru = lines[("DynamoDB", "write request units")]
    assert wru.quantity == pytest.approx(sum(counts[k] * a[k]["wru"] for k in counts))
    assert wru.unit_price == pytest.approx(PRICES["regions"][region]["dynamodb_wru"]["usd"] / 1e6)
    assert lines[("API Gateway", "REST API requests")].quantity == pytest.approx(sum(counts.values()))
    assert lines[("S3", "PUT/LIST (publishing)")].quantity == 106 * USAGE["site"]["files_per_municipality"]
    assert estimate.total == pytest.approx(sum(line.quantity * line.unit_price for line in estimate.lines))
    many = monthly(Scenario(5000, 0.2, 100, municipalities=10), USAGE, PRICES, region)
    per_use = {k: v for k, v in many.by_service().items() if k not in ("CloudWatch",)}
    assert per_use["DynamoDB"] > 9 * estimate.by_service()["DynamoDB"]  # activity scales with municipalities
    assert lines[("CloudWatch", "alarms")].quantity == 4  # alarms do not: one stack
    assert monthly(Scenario(5000, 0.2, 100, alarms=False), USAGE, PRICES, region).total < estimate.total - 0.39


@pytest.mark.parametrize("bad", [dict(turnout=1.5), dict(residents=-1), dict(municipalities=0)])
def test_scenario_refuses_nonsense(bad):
    with pytest.raises(ValueError):
        Scenario(**{"residents": 5000, "turnout": 0.2, "proposals": 100, **bad})


def test_cost_command(capsys):
    from prachakhom.commands.cli import main

    assert main(["cost", "--residents", "5000", "--turnout", "0.2", "--proposals", "100"]) == 0
    out = capsys.readouterr().out
    assert "ap-southeast-7" in out and "DynamoDB" in out and "CloudFront" in out
    total = float(out.split("busy month (the cycle's proposals and votes): US$")[1].split()[0])
    assert total == pytest.approx(round(monthly(SMALL, USAGE, PRICES, "ap-southeast-7").total, 2))
    assert main(["cost", "--residents", "5000", "--turnout", "0.2", "--proposals", "100",
                 "--municipalities", "7850", "--region", "ap-southeast-1"]) == 0
    assert "per municipality" in capsys.readouterr().out
    assert main(["cost", "--residents", "5000", "--turnout", "2", "--proposals", "100"]) == 2


@pytest.mark.slow
def test_usage_file_is_what_the_app_consumes(tmp_path):
    """DynamoDB calls and request units per action are counted again; bytes per page within 10 %."""
    from tests.cost_measure import measure

    measured = measure(tmp_path, USAGE["times"])
    for action, figures in USAGE["actions"].items():
        for key in ("dynamodb_calls", "wru", "rru"):
            assert measured["actions"][action][key] == pytest.approx(figures[key]), (action, key)
    scheduler = measured["actions"]["scheduler_per_process"]
    assert scheduler["rru"] == pytest.approx(USAGE["functions"]["scheduler"]["rru_per_municipality"])
    assert measured["rebuild"]["rru"] == pytest.approx(USAGE["rebuild"]["rru"])
    for key in ("files_per_municipality", "html_pages", "asset_files_per_first_visit"):
        assert measured["site"][key] == USAGE["site"][key], key
    for key in ("bytes_per_municipality", "page_bytes_compressed", "assets_bytes_compressed"):
        assert math.isclose(measured["site"][key], USAGE["site"][key], rel_tol=0.1), key
    assert math.isclose(measured["actions"]["storage"]["bytes_per_proposal"], USAGE["table_bytes_per_proposal"],
                        rel_tol=0.1)
    sent = [measured["actions"][a]["response_bytes"] for a in USAGE["actions"]]
    assert math.isclose(sum(sent) / len(sent), USAGE["api_response_bytes"], rel_tol=0.1)
