"""Staff authentication benchmarks, printed side by side (figures only, no timed asserts).

    python tests/bench/auth.py [--runs 2000]

1. verifying a token, warm container (key set cached): `TokenVerifier.verify` (shape, header, key
   lookup, RS256 signature, every claim) vs a bare `jwt.decode` of the same token with the key
   already in hand and only the signature and expiry checked — the unavoidable cost;
2. the first verification in a fresh interpreter (import PyJWT + cryptography, fetch the JWKS from
   moto, verify) vs importing the app as it is today (median of 5 each);
3. reading a staff member's grants (`DynamoStaffDirectory.member`: one Query on `STAFF#<sub>`) vs a
   bare `get_item` of one item on the same moto server; the two alternate in chunks of 50.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.api_fixtures import FUNCTIONS, dynamodb_client, moto_endpoint  # noqa: E402  (puts functions/ on the path)

FIRST_VERIFY = """
import sys, time
t = time.perf_counter()
from chalicelib.auth import TokenVerifier, UserPool
verifier = TokenVerifier(UserPool({pool!r}, frozenset({{{client!r}}}), {endpoint!r}))
verifier.verify({token!r})
print(time.perf_counter() - t)
"""


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def alternate(a: Callable[[], object], b: Callable[[], object], total: int, chunk: int = 50) -> tuple[float, float]:
    """Medians of `a` and `b`, run in alternating chunks so that load drift hits both alike."""
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(max(1, total // chunk)):
        for fn, into in ((a, ta), (b, tb)):
            for _ in range(chunk):
                t = time.perf_counter()
                fn()
                into.append(time.perf_counter() - t)
    return statistics.median(ta), statistics.median(tb)


def subprocess_seconds(code: str, runs: int = 5) -> float:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{FUNCTIONS}:{ROOT}", "AWS_DEFAULT_REGION": "ap-southeast-1"}
    times = [float(subprocess.run([sys.executable, "-c", code], cwd=FUNCTIONS, env=env, capture_output=True,
                                  text=True, check=True).stdout.strip().splitlines()[-1]) for _ in range(runs)]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    runs = parser.parse_args().runs

    import jwt
    from chalicelib.auth import TokenVerifier, UserPool
    from chalicelib.cognito import cognito_client, ensure_app_client, ensure_user, ensure_user_pool, sign_in
    from chalicelib.storage.dynamodb import create_table
    from chalicelib.storage.staff import DynamoStaffDirectory

    from prachakhom.staff import Role

    endpoint = moto_endpoint()
    cognito = cognito_client(endpoint, "ap-southeast-1", aws_access_key_id="x", aws_secret_access_key="x")
    pool_id = ensure_user_pool(cognito, "bench")
    client_id = ensure_app_client(cognito, pool_id, "console")
    sub = ensure_user(cognito, pool_id, "somsri", "สมศรี", "Prachakhom-2570")
    pool = UserPool(pool_id, frozenset({client_id}), endpoint)
    token = sign_in(cognito, pool, client_id, "somsri", "Prachakhom-2570").access_token

    verifier = TokenVerifier(pool)
    verifier.verify(token)
    key = verifier.jwks.get_signing_key("dummy").key
    ours, bare = alternate(lambda: verifier.verify(token),
                           lambda: jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False}), runs)
    print(f"verify a token (warm):        ours {ours * 1e6:7.1f} µs   bare jwt.decode {bare * 1e6:7.1f} µs   "
          f"ratio {ours / bare:.2f}×")

    first = subprocess_seconds(FIRST_VERIFY.format(pool=pool_id, client=client_id, endpoint=endpoint, token=token))
    app = subprocess_seconds("import time; t = time.perf_counter(); import app; print(time.perf_counter() - t)")
    print(f"first verify in a new process: {first * 1e3:6.1f} ms (import PyJWT + cryptography, fetch JWKS, verify)"
          f"   importing the app today: {app * 1e3:6.1f} ms")

    client = dynamodb_client()
    table = f"bench-{uuid.uuid4().hex[:8]}"
    create_table(client, table)
    directory = DynamoStaffDirectory(client, table)
    directory.save_profile(sub, "somsri", "สมศรี")
    for m in ("non-kha-hom", "tha-lamphu"):
        directory.set_roles(sub, m, {Role.MODERATOR, Role.REVIEWER})
    key_item = {"PK": {"S": f"STAFF#{sub}"}, "SK": {"S": "PROFILE"}}
    n = max(200, runs // 10)
    ours, bare = alternate(lambda: directory.member(sub),
                           lambda: client.get_item(TableName=table, Key=key_item, ConsistentRead=True), n)
    print(f"grants of a staff member:     ours {ours * 1e3:7.2f} ms   bare get_item   {bare * 1e3:7.2f} ms   "
          f"ratio {ours / bare:.2f}× (moto server, {n} each)")


if __name__ == "__main__":
    main()
