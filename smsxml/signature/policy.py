"""One verification policy: did this request come from Plivo? Every entry point asks here.

:func:`verify` takes what arrived (method, full URL, headers, body) and the auth token(s), and
returns a :class:`Verification`: accepted or refused, with why — which signature decided,
with which token, which nonce, and what else was seen. WebhookApp, the Flask decorator, the
proxy, ``smsxml replay``/``verify``/``check`` and the widgets all call it; none keeps rules of
its own. The rules, in order:

1. Plivo calls with POST or GET; any other method is refused (405).
2. ``X-Plivo-Signature-V3`` (or ``-Ma-V3``), when present, decides: it is the only signature
   that covers the method and the body. A V3 that fails refuses the request, whatever V2
   says (``v3_mismatch="warn"`` logs it and lets V2 decide instead, for traffic where V3 is
   computed differently: Plivo documents V3 for Voice, its use on SMS is observed). A V3
   nonce must be digits: V3 joins URL and nonce with a ".", and digits keep that unambiguous.
3. Otherwise ``X-Plivo-Signature-V2`` (or ``-Ma-V2``) decides.
4. ``-Ma-`` signatures are checked against the main account's token(s) (the same tokens
   when none is given). Several tokens may be given (old and new, during rotation): any one
   accepts, and the result says which.
5. Replay memory (a :class:`~.nonces.NonceStore`): each validated nonce is remembered
   with a fingerprint of the method, URL and body. A nonce seen before for another request
   is refused (the attack V2 alone cannot see); an identical repeat is accepted, marked as a
   duplicate (a retry, or a seeded run repeated).
6. ``versions=("V3",)`` is strict: only V3 counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Literal, get_args

from .._headers import header_index
from .._http import parse_form
from ..exc import InputError, WrongTypeError
from ..protocol import (
    MA_SIGNATURE_HEADER,
    MA_SIGNATURE_V3_HEADER,
    NONCE_HEADER,
    NONCE_V3_HEADER,
    SIGNATURE_HEADER,
    SIGNATURE_HEADERS,
    SIGNATURE_V3_HEADER,
)
from ..tokens import redact
from .nonces import NonceStore
from .v2 import validate_v2
from .v3 import validate_v3

if TYPE_CHECKING:  # pragma: no cover
    from wsgiref.headers import Headers

    from .diagnose import Diagnosis

__all__ = [
    "METHODS",
    "Verdict",
    "VERDICTS",
    "Verification",
    "SignatureCheck",
    "verify",
    "check_signature",
    "check_signature_v3",
    "signature_headers",
    "fingerprint",
]

#: The methods Plivo calls a message or status URL with.
METHODS = ("POST", "GET")

#: What became of a request's signature.
Verdict = Literal[
    "valid V2",
    "valid Ma-V2",
    "valid V3",
    "valid Ma-V3",
    "missing",
    "invalid",
    "not checked",
    "replayed nonce",
    "method not allowed",
]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)

Tokens = str | Sequence[str]


def _tokens(tokens: Tokens | None) -> tuple[str, ...]:
    """One token or several as a tuple; anything else is a :class:`WrongTypeError`."""
    if tokens is None:
        return ()
    if isinstance(tokens, str):
        return (tokens,) if tokens else ()
    if type(tokens) is tuple and all(type(t) is str and t for t in tokens):
        return tokens  # already what the rest of this function would build (an app's own)
    if isinstance(tokens, Sequence) and all(isinstance(t, str) for t in tokens):
        return tuple(t for t in tokens if t)
    raise WrongTypeError("an auth token is text (str), or a list of them while you rotate")


# --- one signature --------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one kind of signature header (V2 with Ma-V2, or V3 with Ma-V3).

    ``diagnosis`` (None when valid) says why it is not valid. It is worked out when first
    read, not when the request arrives: a diagnosis re-signs up to a few hundred variations,
    and a forger must not be able to make the server do that for every forged request.
    """

    verdict: Verdict
    url: str
    nonce: str | None = None
    _diagnose: Callable[[], Diagnosis] | None = field(default=None, repr=False, compare=False)
    #: The Plivo signature headers the request carried, by name (what arrived, for the log).
    headers: tuple[str, ...] = field(default=(), compare=False)
    #: Which signature this verdict is about: "V2" (with Ma-V2) or "V3" (with Ma-V3).
    version: str = "V2"
    #: Which of the tokens given validated it (0-based), None when none did.
    token_index: int | None = None
    #: Why, when that is not simply "does not match" (e.g. a V3 nonce that is not digits).
    detail: str = ""
    _cache: list[Diagnosis] = field(default_factory=list, repr=False, compare=False)

    @property
    def valid(self) -> bool:
        return self.verdict.startswith("valid")

    @property
    def diagnosis(self) -> Diagnosis | None:
        if self._diagnose is None:
            return None
        if not self._cache:  # two threads may both compute it; the result is the same
            self._cache.append(self._diagnose())
        return self._cache[0]

    @property
    def diagnosed(self) -> bool:
        """Whether :attr:`diagnosis` has been worked out yet."""
        return bool(self._cache)

    @property
    def reason(self) -> str:
        """A short reason for a refusal, safe to send back to the caller."""
        if self.valid:
            return "signature valid"
        name = f"X-Plivo-Signature-{self.version}"
        if self.verdict == "missing":
            return f"missing {name} / {name}-Nonce headers"
        if self.detail:
            return f"invalid {name} signature: {self.detail}"
        return f"invalid {name} signature"

    def __str__(self) -> str:
        diagnosis = self.diagnosis
        return self.verdict if diagnosis is None else f"{self.verdict}: {diagnosis}"


def signature_headers(headers: Headers) -> tuple[str, ...]:
    """Which of Plivo's signature headers ``headers`` carries, in Plivo's spelling."""
    return tuple(name for name in SIGNATURE_HEADERS if headers.get(name) is not None)


#: Plivo's signature headers, each with its name as a :func:`header_index` holds it.
_SIGNATURE_NAMES = tuple((name, name.lower()) for name in SIGNATURE_HEADERS)
_NONCE, _V2, _MA_V2 = NONCE_HEADER.lower(), SIGNATURE_HEADER.lower(), MA_SIGNATURE_HEADER.lower()
_NONCE_V3, _V3 = NONCE_V3_HEADER.lower(), SIGNATURE_V3_HEADER.lower()
_MA_V3 = MA_SIGNATURE_V3_HEADER.lower()


def _seen(h: dict[str, str]) -> tuple[str, ...]:
    """:func:`signature_headers` of a :func:`header_index`."""
    return tuple([name for name, lower in _SIGNATURE_NAMES if lower in h])


def _first_valid(check: Callable[[str], bool], tokens: Sequence[str]) -> int | None:
    """The index of the first token for which ``check`` holds (every token is tried, so
    that the time taken does not say which one matched)."""
    found = None
    for index, token in enumerate(tokens):
        if check(token) and found is None:
            found = index
    return found


def _valid(
    verdict: Verdict, url: str, nonce: str, seen: tuple[str, ...], version: str, index: int
) -> SignatureCheck:
    """``SignatureCheck(verdict, url, nonce, headers=seen, version=version,
    token_index=index)``, every field filled at once, in order (a frozen dataclass's
    ``__init__`` sets each through ``object.__setattr__``; SignatureCheck has no
    ``__post_init__`` and no slots): the verdict on every signature a webhook accepts."""
    check = object.__new__(SignatureCheck)
    check.__dict__.update(
        verdict=verdict,
        url=url,
        nonce=nonce,
        _diagnose=None,
        headers=seen,
        version=version,
        token_index=index,
        detail="",
        _cache=[],
    )
    return check


def check_signature(
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    auth_token: Tokens,
    main_auth_token: Tokens | None = None,
    *,
    public_url: str | None = None,
) -> SignatureCheck:
    """Check ``X-Plivo-Signature-V2`` (with ``auth_token``) or ``X-Plivo-Signature-Ma-V2``
    (with ``main_auth_token``, else ``auth_token``) against ``url``, the URL the request was
    made to. Either valid signature is enough; each may be several tokens (rotation).
    Comparisons are constant-time. Only V2: :func:`verify` is the whole policy."""
    tokens = _tokens(auth_token)
    main = _tokens(main_auth_token)
    h = header_index(headers)
    return _check_v2(url, h, _seen(h), tokens, main, public_url)


def _check_v2(
    url: str,
    h: dict[str, str],
    seen: tuple[str, ...],
    tokens: tuple[str, ...],
    main: tuple[str, ...],
    public_url: str | None,
) -> SignatureCheck:
    """:func:`check_signature` of a :func:`header_index` ``h`` (``main``: the main
    account's tokens as given, () for none)."""
    main_tokens = main or tokens
    nonce, v2, ma = h.get(_NONCE), h.get(_V2), h.get(_MA_V2)
    if nonce and v2:
        index = _first_valid(lambda t: validate_v2(url, nonce, v2, t), tokens)
        if index is not None:
            return _valid("valid V2", url, nonce, seen, "V2", index)
    if nonce and ma:
        index = _first_valid(lambda t: validate_v2(url, nonce, ma, t), main_tokens)
        if index is not None:
            return _valid("valid Ma-V2", url, nonce, seen, "V2", index)
    verdict: Verdict = "invalid" if nonce and (v2 or ma) else "missing"
    main_token = main_tokens[0] if main else None
    if v2 or not ma:
        args = (url, nonce, v2, tokens[0], main_token, public_url)
    else:  # only Ma-V2 was sent: diagnose it against the main account's token
        args = (url, nonce, ma, main_tokens[0], None, public_url)
    return SignatureCheck(verdict, url, nonce, lambda: _diagnose(*args), headers=seen)


def _digits(nonce: str) -> bool:
    return nonce.isascii() and nonce.isdigit()


def check_signature_v3(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    params: Mapping[str, str] | None,
    auth_token: Tokens,
    main_auth_token: Tokens | None = None,
) -> SignatureCheck:
    """Check ``X-Plivo-Signature-V3`` (or ``-Ma-V3``): over the method, the URL with its
    sorted query and, for a POST, the sorted form ``params``. ``"missing"`` without the V3
    headers; a nonce that is not digits is invalid (see the module's docstring)."""
    tokens = _tokens(auth_token)
    main = _tokens(main_auth_token)
    h = header_index(headers)
    return _check_v3(method, url, h, _seen(h), params, tokens, main)


def _check_v3(
    method: str,
    url: str,
    h: dict[str, str],
    seen: tuple[str, ...],
    params: Mapping[str, str] | None,
    tokens: tuple[str, ...],
    main: tuple[str, ...],
) -> SignatureCheck:
    """:func:`check_signature_v3` of a :func:`header_index` ``h`` (``main``: the main
    account's tokens as given, () for none)."""
    main_tokens = main or tokens
    nonce = h.get(_NONCE_V3)
    v3, ma = h.get(_V3), h.get(_MA_V3)
    if not (nonce and (v3 or ma)):
        return SignatureCheck("missing", url, nonce, headers=seen, version="V3")
    post = params if method == "POST" else None
    detail = ""
    if not _digits(nonce):
        detail = f"the nonce {nonce[:24]!r} is not digits (Plivo's V3 nonces are)"
    else:
        if v3:
            i = _first_valid(lambda t: validate_v3(method, url, nonce, v3, t, post), tokens)
            if i is not None:
                return _valid("valid V3", url, nonce, seen, "V3", i)
        if ma:
            i = _first_valid(lambda t: validate_v3(method, url, nonce, ma, t, post), main_tokens)
            if i is not None:
                return _valid("valid Ma-V3", url, nonce, seen, "V3", i)
    signature, token = (v3, tokens[0]) if v3 else (ma, main_tokens[0])
    main_token = main_tokens[0] if main else None

    def diagnose() -> Diagnosis:
        found: Diagnosis = diagnosing().diagnose_v3(
            method, url, nonce, signature, token, post, main_token
        )
        return found

    return SignatureCheck(
        "invalid", url, nonce, diagnose, headers=seen, version="V3", detail=detail
    )


def _diagnose(
    url: str,
    nonce: str | None,
    signature: str | None,
    token: str,
    main_token: str | None,
    public_url: str | None,
) -> Diagnosis:
    module = diagnosing()
    found: Diagnosis
    try:
        found = module.diagnose_v2(url, nonce, signature, token, main_token, public_url)
    except Exception as exc:  # a diagnosis is a courtesy: never let it break the verdict
        message = redact(f"No diagnosis: {type(exc).__name__}: {exc}", token, main_token)
        found = module.Diagnosis(False, ("unknown",), message, url)
    return found


def diagnosing() -> ModuleType:
    """:mod:`.diagnose`, imported when a diagnosis is first read (or the package is asked
    for one of its names), not with the policy: it brings difflib and the HTML writer."""
    from . import diagnose  # lazy: only a failed request, or a learner, reads a diagnosis

    return diagnose


# --- the policy -----------------------------------------------------------------------------


def fingerprint(method: str, url: str, body: bytes) -> str:
    """What a nonce was used for: a digest of the method, the URL and the body."""
    digest = hashlib.sha256(method.upper().encode("ascii", "replace") + b"\n")
    digest.update(url.encode("utf-8", "surrogatepass") + b"\n")
    digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True)
class Verification:
    """The policy's answer for one request (see :func:`verify`).

    ``accepted`` and ``status`` (200, 403 or 405) say what to do; ``verdict`` names the
    outcome; ``reason`` is one line safe to send back; ``decided_by`` is the signature check
    that decided (its ``token_index`` says which token); ``duplicate`` marks an identical
    repeat of a request seen before; ``notes`` says what else was seen (a V2 that disagrees
    with a valid V3, a V3 mismatch let through with ``v3_mismatch="warn"``). No token is held.
    """

    accepted: bool
    status: int
    verdict: Verdict
    reason: str
    method: str
    url: str
    decided_by: SignatureCheck | None = None
    checks: tuple[SignatureCheck, ...] = ()
    duplicate: bool = False
    notes: tuple[str, ...] = ()
    headers: tuple[str, ...] = field(default=(), compare=False)

    # The same face as SignatureCheck, so a log entry can hold either.
    @property
    def valid(self) -> bool:
        return self.accepted

    @property
    def nonce(self) -> str | None:
        return None if self.decided_by is None else self.decided_by.nonce

    @property
    def version(self) -> str:
        return "V2" if self.decided_by is None else self.decided_by.version

    @property
    def token_index(self) -> int | None:
        return None if self.decided_by is None else self.decided_by.token_index

    @property
    def diagnosis(self) -> Diagnosis | None:
        """Why the deciding signature failed (None when accepted or not about a signature)."""
        if self.accepted or self.decided_by is None:
            return None
        return self.decided_by.diagnosis

    @property
    def diagnosed(self) -> bool:
        return self.decided_by is not None and self.decided_by.diagnosed

    @property
    def signature(self) -> str | None:
        """Which signature decided: "V2", "Ma-V2", "V3" or "Ma-V3" (None: none valid)."""
        check = self.decided_by
        return check.verdict[len("valid ") :] if check is not None and check.valid else None

    def describe(self, token_names: Sequence[str] = ()) -> str:
        """One line for a person: the verdict, which token, duplicate, notes."""
        parts: list[str] = [self.verdict]
        index = self.token_index
        if self.accepted and index is not None and len(token_names) > 1:
            parts.append(f"with {token_names[index]}")
        if self.duplicate:
            parts.append("(duplicate: the same request seen before)")
        if not self.accepted:
            parts.append(f"— {self.reason}")
        parts += [f"; {note}" for note in self.notes]
        return " ".join(parts)

    def __str__(self) -> str:
        diagnosis = self.diagnosis
        text = self.describe()
        return text if diagnosis is None else f"{text}: {diagnosis}"


def verify(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes = b"",
    *,
    auth_token: Tokens,
    main_auth_token: Tokens | None = None,
    params: Mapping[str, str] | None = None,
    versions: Sequence[str] = ("V2", "V3"),
    v3_mismatch: Literal["refuse", "warn"] = "refuse",
    nonces: NonceStore | None = None,
    public_url: str | None = None,
) -> Verification:
    """Did Plivo send this request? The one policy (rules in the module's docstring).

    ``url``: the full URL the request was made to, query included. ``body``: the raw body
    (a POST's form, which V3 signs; ``params`` may give it already parsed). ``auth_token``
    and ``main_auth_token``: a token or several (rotation). ``nonces``: the replay memory
    (None: off). ``public_url``: a hint for the diagnosis (the URL Plivo was told to call).
    """
    if not isinstance(method, str):
        raise WrongTypeError(f"the method must be text such as 'POST', not {method!r}")
    tokens = _tokens(auth_token)
    if not tokens:
        raise InputError("an auth token is needed to verify a signature (or several)")
    method = method.upper()
    try:
        h = header_index(headers)
    except (TypeError, ValueError, AttributeError):
        raise WrongTypeError("headers must be a mapping or (name, value) pairs") from None
    seen = _seen(h)
    if method not in METHODS:
        return Verification(
            False, 405, "method not allowed", f"{method} not allowed: Plivo calls with GET or "
            "POST", method, url, headers=seen,
        )  # fmt: skip
    decided, checks, notes = _decide(
        method, url, h, seen, body, tokens, main_auth_token, params, versions, v3_mismatch,
        public_url,
    )  # fmt: skip
    if decided is None:  # no signature this policy accepts was sent
        if "V2" in versions:
            empty = _check_v2(url, h, seen, tokens, (), public_url)
        else:
            empty = check_signature_v3(method, url, {}, None, auth_token)
        return Verification(
            False, 403, "missing", empty.reason, method, url, empty, tuple(checks),
            headers=seen,
        )  # fmt: skip
    if not decided.valid:
        return Verification(
            False, 403, decided.verdict, decided.reason, method, url, decided, tuple(checks),
            notes=tuple(notes), headers=seen,
        )  # fmt: skip
    refused, duplicate = _remember_nonces(nonces, method, url, body, decided, checks, notes, seen)
    if refused is not None:
        return refused
    return Verification(
        True, 200, decided.verdict, "signature valid", method, url, decided, tuple(checks),
        duplicate, tuple(notes), headers=seen,
    )  # fmt: skip


def _decide(
    method: str,
    url: str,
    h: dict[str, str],
    seen: tuple[str, ...],
    body: bytes,
    tokens: tuple[str, ...],
    main_auth_token: Tokens | None,
    params: Mapping[str, str] | None,
    versions: Sequence[str],
    v3_mismatch: Literal["refuse", "warn"],
    public_url: str | None,
) -> tuple[SignatureCheck | None, list[SignatureCheck], list[str]]:
    """The check that decides (V3 when present, else V2; None: no signature accepted was
    sent), every check made, and notes on the ones that did not decide."""
    notes: list[str] = []
    checks: list[SignatureCheck] = []
    decided: SignatureCheck | None = None
    v2: SignatureCheck | None = None
    if "V2" in versions and (h.get(_V2) or h.get(_MA_V2)):
        v2 = _check_v2(url, h, seen, tokens, _tokens(main_auth_token), public_url)
    if "V3" in versions and (h.get(_V3) or h.get(_MA_V3)):
        if params is None and method == "POST":
            params = _form(body)
        v3 = _check_v3(method, url, h, seen, params, tokens, _tokens(main_auth_token))
        checks.append(v3)
        if v3.valid:
            decided = v3
            if v2 is not None and not v2.valid:
                notes.append(f"{v2.verdict} V2 ignored: V3 decides")
        elif v3_mismatch == "warn" and v2 is not None:
            notes.append(f"V3 {v3.reason[len('invalid ') :]} — let through to V2 (warn mode)")
        else:
            decided = v3
    if v2 is not None:
        checks.append(v2)
        if decided is None:
            decided = v2
    return decided, checks, notes


def _remember_nonces(
    nonces: NonceStore | None,
    method: str,
    url: str,
    body: bytes,
    decided: SignatureCheck,
    checks: list[SignatureCheck],
    notes: list[str],
    seen: tuple[str, ...],
) -> tuple[Verification | None, bool]:
    """The replay memory: a refusal when a valid nonce was used for a different request,
    and whether this request is a repeat (a retry) of one seen before."""
    duplicate = False
    if nonces is not None:
        print_ = fingerprint(method, url, body)
        for check in checks:
            if check.valid and check.nonce:
                before = nonces.remember(f"{check.version}:{check.nonce}", print_)
                if before is not None and before != print_:
                    refused = Verification(
                        False, 403, "replayed nonce",
                        f"nonce already used for a different request ({check.version})",
                        method, url, decided, tuple(checks), notes=tuple(notes), headers=seen,
                    )  # fmt: skip
                    return refused, False
                duplicate = duplicate or before is not None
    return None, duplicate


def _form(body: bytes) -> dict[str, str] | None:
    """A POST body's form fields for V3 (None when it is not form data)."""
    try:
        return parse_form(body)
    except ValueError:
        return None
