"""The :class:`SignatureExplorer` panel: every step of an ``X-Plivo-Signature-V2``, the
verdict and, when it fails, the likely cause.

CSS classes (stable; the browser tests find the controls by them):

======================================  ===================================================
``smsxml-explorer``                     SignatureExplorer container
``smsxml-explorer-url``                 Text: the URL your app sees
``smsxml-explorer-nonce``               Text: X-Plivo-Signature-V2-Nonce
``smsxml-explorer-token``               Password: auth token (taken on Enter, then cleared)
``smsxml-explorer-token-in-use``        HTML: the token in use, masked, typed or given
``smsxml-explorer-token-reset``         Button: back to the token the explorer was made with
``smsxml-explorer-signature``           Text: X-Plivo-Signature-V2 received
``smsxml-explorer-sign``                Button: put the correct signature in
``smsxml-explorer-steps``               HTML: table of the signing steps
``smsxml-explorer-compare``             HTML: computed and received signature, differences
``smsxml-explorer-verdict``             HTML: "valid" / "invalid" / "cannot check"
``smsxml-explorer-diagnosis``           HTML: why it fails (diagnose_v2)
======================================  ===================================================
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from .._demo import DEMO_URL
from .._html import Safe, badge, code, diff_pair, escape, table
from ..exc import SmsxmlError, WidgetError
from ..protocol import NONCE_HEADER, SIGNATURE_HEADER
from ..signature import SignatureExplanation, explain_v2, sign_v2
from ..signature.diagnose import Diagnosis, DiagnosisVerdict, diagnose_v2
from ..signature.policy import verify
from ._panel import (
    DEFAULT_NONCE,
    LABEL_STYLE,
    Panel,
    TokenField,
    Value,
    classed,
    heading,
    natural,
    wide,
)

__all__ = ["SignatureExplorer", "DEFAULT_URL"]

#: The URL the SignatureExplorer starts with.
DEFAULT_URL = DEMO_URL


class SignatureExplorer(Panel):
    """Take an ``X-Plivo-Signature-V2`` apart: change the URL, nonce, token or signature
    and see every signing step, the verdict and — when it fails — the likely cause.

    ``signature`` is the header your app received; it defaults to the correct one for the
    initial URL, nonce and token, so the explorer starts valid. Changing a field does not
    re-sign: it shows what your app would conclude (:meth:`sign` puts the correct one in).
    """

    title = "Signature explorer"

    def __init__(
        self,
        url: str = DEFAULT_URL,
        nonce: str | None = None,
        auth_token: str | None = None,
        signature: str | None = None,
    ):
        self._token = TokenField(auth_token, "smsxml-explorer-token", self._on_change)
        nonce = DEFAULT_NONCE if nonce is None else nonce
        if signature is None:
            signature = sign_v2(url, nonce, self._token.token)
        self._quiet = False
        self._explanation: SignatureExplanation | None = None
        self._diagnosis: Diagnosis  # set by _refresh, below
        self._error = ""

        def text_field(value: str, label: str, css: str) -> Any:
            return classed(
                widgets.Text(value=value, description=label, style=LABEL_STYLE, layout=wide()),
                css,
            )

        self._url = text_field(url, "URL", "smsxml-explorer-url")
        self._nonce = text_field(nonce, "nonce", "smsxml-explorer-nonce")
        self._signature = text_field(signature, "signature", "smsxml-explorer-signature")
        self._sign_button = classed(
            widgets.Button(description="Use the correct signature", layout=natural()),
            "smsxml-explorer-sign",
        )
        self._steps_out = classed(widgets.HTML(layout=wide()), "smsxml-explorer-steps")
        self._compare_out = classed(widgets.HTML(layout=wide()), "smsxml-explorer-compare")
        self._verdict_out = classed(widgets.HTML(), "smsxml-explorer-verdict")
        self._diagnosis_out = classed(widgets.HTML(layout=wide()), "smsxml-explorer-diagnosis")
        self._sign_button.on_click(lambda _b: self.sign())
        for field in (self._url, self._nonce, self._signature):
            field.observe(self._on_change, names="value")
        self.widget = classed(
            widgets.VBox(
                [
                    heading(self.title),
                    self._url,
                    self._nonce,
                    self._token.widget,
                    self._signature,
                    self._sign_button,
                    widgets.HTML("<b>How Plivo signs it</b>"),
                    self._steps_out,
                    self._compare_out,
                    self._verdict_out,
                    self._diagnosis_out,
                ]
            ),
            "smsxml-explorer",
        )
        self._refresh()

    # -- fields ------------------------------------------------------------------------------

    url = Value[str]("_url")

    nonce = Value[str]("_nonce")

    signature = Value[str]("_signature")

    def set_token(self, auth_token: str | None) -> None:
        """Validate with ``auth_token`` from now on (None: ``$PLIVO_AUTH_TOKEN`` or the demo
        token). It stays in the kernel: the Password field is cleared, not filled in."""
        self._token.set(auth_token)  # refreshes, through on_change

    def sign(self) -> str:
        """Put the correct signature for the current URL, nonce and token in; return it."""
        if self._explanation is None:
            raise WidgetError(f"cannot sign: {self._error}")
        self.signature = self._explanation.signature
        return self.signature

    # -- results -----------------------------------------------------------------------------

    @property
    def valid(self) -> bool:
        """Whether :func:`smsxml.verify` accepts this V2 signature."""
        return self._accepted

    @property
    def verdict(self) -> DiagnosisVerdict:
        """ "valid", "invalid", or "cannot check" (the URL or the token cannot be used)."""
        return self._diagnosis.verdict

    @property
    def diagnosis(self) -> Diagnosis:
        """The :class:`smsxml.signature.diagnose.Diagnosis` for the current fields."""
        return self._diagnosis

    @property
    def explanation(self) -> SignatureExplanation | None:
        """The :class:`smsxml.signature.SignatureExplanation` (None when the URL is unusable)."""
        return self._explanation

    def _on_change(self, change: object = None) -> None:
        if not self._quiet:
            self._refresh()

    def _refresh(self) -> None:
        token = self._token.token
        try:
            self._explanation = explain_v2(self.url, self.nonce, token)
            self._error = ""
        except SmsxmlError as exc:
            self._explanation, self._error = None, str(exc)
        self._diagnosis = diagnose_v2(self.url, self.nonce, self.signature, token)
        self._accepted = False
        if self._diagnosis.verdict != "cannot check":  # the verdict is the one policy's
            headers = {NONCE_HEADER: self.nonce, SIGNATURE_HEADER: self.signature}
            self._accepted = verify(
                "POST", self.url, headers, auth_token=token, versions=("V2",)
            ).accepted
        self._render()

    def _verdict_html(self) -> Safe:
        verdict = self._diagnosis.verdict
        if verdict != "cannot check":
            verdict = "valid" if self._accepted else "invalid"
        if verdict == "valid":
            mark = badge(True, "valid", "smsxml-valid")
            why = "the signature matches the URL and nonce with this token"
        elif verdict == "invalid":
            mark = badge(False, "invalid", "smsxml-invalid")
            why = "the signature does not match"
        else:
            mark = badge(None, "cannot check", "smsxml-cannot-check")
            why = "an input cannot be used as it is: see below"
        return Safe(f"{mark} — {escape(why)}")

    def _compare_html(self) -> Safe:
        """The signature computed from the fields beside the one received, differences
        marked."""
        if self._explanation is None:
            return Safe("")
        computed = self._explanation.signature
        pair = diff_pair(computed, self.signature, ("computed", "received"))
        same = "the same" if computed == self.signature else "different: marked"
        return Safe(f"<b>Computed and received</b> ({same}){pair}")

    def _steps_html(self) -> Safe:
        if self._explanation is not None:
            return Safe(self._explanation._repr_html_())
        return Safe(f"<b>Cannot sign:</b> {escape(self._error)}")

    def _render(self) -> None:
        self._steps_out.value = self._steps_html()
        self._compare_out.value = self._compare_html()
        self._verdict_out.value = self._verdict_html()
        self._diagnosis_out.value = (
            f"<div class='smsxml-diagnosis'>{escape(str(self._diagnosis))}</div>"
        )

    def __repr__(self) -> str:
        return (
            f"SignatureExplorer(url={self.url!r}, nonce={self.nonce!r}, "
            f"token={self._token.shown()}, signature={self.signature!r}): {self.verdict}\n"
            f"{self._diagnosis}"
        )

    def _repr_html_(self) -> str:
        fields = table(
            [
                ("URL", code(self.url)),
                ("nonce", code(self.nonce)),
                ("auth token", code(f"{self._token.shown()} ({self._token.source})")),
                ("signature", code(self.signature)),
            ]
        )
        return (
            f"<div class='smsxml-explorer'><h3>{escape(self.title)}</h3>{fields}"
            f"{self._steps_html()}{self._compare_html()}<p>{self._verdict_html()}</p>"
            f"<p>{escape(str(self._diagnosis))}</p></div>"
        )
