"""Measure what each action consumes and write infra/usage.json, the cost model's input.

    python tests/bench/cost_profile.py [--times 5]

Runs the app against moto (tests/cost_measure.py): DynamoDB calls and billed request units per action,
the handler's CPU time, one municipality's rebuild and the built site's bytes. Re-run it after a change
that touches storage or pages; tests/test_cost.py fails while the committed file's counts are stale.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from tests.cost_measure import API_MEMORY_GB, measure  # noqa: E402

USAGE = ROOT / "infra" / "usage.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=int, default=3, help="requests measured per action")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measured = measure(Path(tmp), args.times)
    actions = measured["actions"]
    scheduler = actions.pop("scheduler_per_process")
    storage = actions.pop("storage")
    responses = [a.pop("response_bytes") for a in actions.values()]
    usage = {
        "measured_on": date.today().isoformat(),
        "times": args.times,
        "how": "python tests/bench/cost_profile.py (tests/cost_measure.py): the app against moto; "
               "request units computed from the items' sizes by DynamoDB's billing rules; CPU seconds of the "
               "handler on the measuring machine",
        "actions": actions,
        "functions": {
            "api": {"memory_gb": API_MEMORY_GB},
            "scheduler": {"memory_gb": API_MEMORY_GB, "lambda_seconds": 0.0,  # all in the per-process time
                          "seconds_per_municipality": scheduler["lambda_seconds"],
                          "rru_per_municipality": scheduler["rru"]},
        },
        "rebuild": measured["rebuild"],
        "site": measured["site"],
        "table_bytes_per_voter": measured["table_bytes_per_voter"],
        "table_bytes_per_proposal": round(storage["bytes_per_proposal"]),
        "api_response_bytes": round(sum(responses) / len(responses)),
        "log_bytes_per_invocation": 350,
        "log_bytes_note": "not measurable here: Lambda's own START, END and REPORT lines (about 350 bytes); "
                          "the code logs only errors, rebuilds and phase moves",
    }
    USAGE.write_text(json.dumps(usage, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(usage, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
