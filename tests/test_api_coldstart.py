"""The API's cold-start path (import app, first ballot) does not import numpy (the tally's MES needs it)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.api_fixtures import FUNCTIONS, ROOT

FIRST_BALLOT = """
import json, sys, tempfile
from pathlib import Path
import app  # noqa: F401
after_import = "numpy" in sys.modules
from tests.api_fixtures import BASE, api_for, ballot_body, make_repository, make_service, write_content
svc = make_service(write_content(Path(tempfile.mkdtemp()), "voting"), make_repository("memory"))
with api_for(svc) as api:
    status = api.post(BASE + "/ballot", ballot_body(1))[0]
print(json.dumps({"status": status, "after_import": after_import, "after_ballot": "numpy" in sys.modules}))
"""


def test_import_and_first_ballot_do_not_load_numpy(tmp_path):
    result = subprocess.run([sys.executable, "-c", FIRST_BALLOT], cwd=tmp_path, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{FUNCTIONS}:{ROOT}"}, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {"status": 201, "after_import": False, "after_ballot": False}
