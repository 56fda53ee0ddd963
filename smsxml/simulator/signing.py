"""How the simulator signs as Plivo: the account's tokens, and one random stream for nonces
and UUIDs (seeded: the same stream, so a seeded run repeats every nonce and UUID)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..inbound import SignedRequest, inbound_request, signed_request
from ..protocol import MessageType
from ..signature import make_nonce
from ..tokens import redact

__all__ = ["Signer"]


#: What ``uuid.UUID(version=4)`` does to 128 bits: the variant (RFC 4122) and the version.
_UUID_CLEARED = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_V4 = (0x8000 << 48) | (4 << 76)


class Signer:
    """Signs the simulator's requests with ``auth_token`` (and ``main_auth_token``), drawing
    nonces and UUIDs from one stream: seeded with ``seed``, else the system's randomness."""

    def __init__(self, auth_token: str, main_auth_token: str | None, seed: int | None):
        self.auth_token = auth_token
        self.main_auth_token = main_auth_token
        self._seeded = seed is not None
        self._rng: random.Random = (
            random.Random(seed) if seed is not None else random.SystemRandom()
        )

    def uuid(self) -> str:
        """A fresh UUID (version 4), as Plivo gives every message: the text of
        ``uuid.UUID(int=<128 random bits>, version=4)``, written without making one."""
        bits = self._rng.getrandbits(128) & _UUID_CLEARED | _UUID_V4
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def nonce(self, method: str, url: str, *signs: object) -> str:
        """A fresh nonce; seeded, one bound to what it signs (see make_nonce): the method,
        the URL's path and query (not its host and port, so that a seeded run gives the same
        nonces whatever port a local server got) and the parameters. (Unseeded, every draw
        is fresh from the system's randomness: there is nothing to bind.)"""
        if not self._seeded:
            return make_nonce(self._rng)
        parts = urlsplit(url)
        return make_nonce(self._rng, binds=(method, parts.path, parts.query, *signs))

    def inbound(
        self,
        url: str,
        *,
        from_: str,
        to: str,
        text: str,
        method: str,
        type: MessageType,
        media: Sequence[str],
    ) -> SignedRequest:
        """The signed request Plivo makes to your message_url when ``from_`` texts ``to``."""
        message_uuid = self.uuid()
        return inbound_request(
            url,
            self.auth_token,
            from_=from_,
            to=to,
            text=text,
            method=method,
            message_uuid=message_uuid,
            nonce=self.nonce(method, url, from_, to, text, type, tuple(media), message_uuid),
            main_auth_token=self.main_auth_token,
            type=type,
            media=media,
        )

    def report(self, method: str, url: str, params: Mapping[str, str]) -> SignedRequest:
        """A signed delivery report: ``params`` sent to a callbackUrl."""
        return signed_request(
            method,
            url,
            params,
            self.auth_token,
            nonce=self.nonce(method, url, sorted(params.items()) if self._seeded else ()),
            main_auth_token=self.main_auth_token,
        )

    def sign(self, method: str, url: str, params: Mapping[str, str]) -> SignedRequest:
        """``params`` sent to ``url`` again, signed afresh (a new nonce): a retry."""
        return self.report(method, url, params)

    def shuffle(self, items: list[Any]) -> None:
        """Put ``items`` in a random order, from the same stream (seeded: the same order)."""
        self._rng.shuffle(items)

    def redact(self, text: str) -> str:
        """``text`` with the tokens blotted out."""
        return redact(text, self.auth_token, self.main_auth_token)
