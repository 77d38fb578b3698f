"""Staff access: today one bearer token per municipality from the environment (roles come with staff
accounts)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from chalicelib.errors import Unauthorized


class StaffTokens:
    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._tokens = dict(tokens)

    def authorize(self, municipality: str, authorization: str | None) -> None:
        """Pass if the `Authorization: Bearer …` header holds this municipality's token, else 401."""
        expected = self._tokens.get(municipality)
        given = (authorization or "").removeprefix("Bearer ").strip()
        # bytes: compare_digest refuses str with non-ASCII characters (a header may carry any)
        if not expected or not given or not hmac.compare_digest(_bytes(expected), _bytes(given)):
            raise Unauthorized.one("unauthorized", ("header", "authorization"))


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
