"""One ``<Message>``: :class:`Message`, the characters XML cannot carry, and the escaping
(lxml's, as the plivo SDK writes it) that puts a message into a document.

:mod:`.build` puts messages in a :class:`~smsxml.xml.Response`; :mod:`.check` reads them
back. Both import this module, which imports neither.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..exc import WrongTypeError, XMLBuildError

__all__ = ["ILLEGAL_CHAR", "Message", "describe_char", "parsed_message"]

# Characters XML 1.0 cannot carry at all, not even as &#…; references (lxml refuses them too).
ILLEGAL_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def describe_char(ch: str) -> str:
    """``U+0007 (a control character)``: a character XML cannot carry, named for a message."""
    cp = ord(ch)
    if cp < 0x20:
        kind = "a control character"
    elif 0xD800 <= cp <= 0xDFFF:
        kind = "a lone surrogate, half of a broken UTF-16 pair"
    else:
        kind = "a Unicode noncharacter"
    return f"U+{cp:04X} ({kind})"


def _checked(field: str, value: object, *, number: bool = False) -> str:
    """``value`` as a str fit for XML, or raise a clear error naming ``field``."""
    if isinstance(value, str):
        text = value
    elif number and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    else:
        kinds = "a str or an int" if number else "a str"
        raise WrongTypeError(f"Message {field} must be {kinds}, not {type(value).__name__}")
    bad = ILLEGAL_CHAR.search(text)
    if bad is not None:
        raise XMLBuildError(
            f"Message {field}: {describe_char(bad.group())} at index {bad.start()} cannot be "
            "written in XML 1.0 (only tab, newline and carriage return are allowed among "
            "control characters); remove or replace it"
        )
    return text


def _checked_optional(field: str, value: object) -> str | None:
    return None if value is None else _checked(field, value)


# lxml's escaping, which the SDK's output is made of. Text: & < > and CR; attribute
# values additionally " and the whitespace that attribute normalisation would eat.
def _esc_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _esc_attr(s: str) -> str:
    return (
        s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
        .replace("\r", "&#13;")
    )


@dataclass(frozen=True, init=False, repr=False)
class Message:
    """One ``<Message>``: an SMS Plivo sends when it reads the document.

    ``dst`` may be a list or tuple of numbers (bulk): it is stored joined with ``<``, the
    way Plivo expects it. The builder only refuses what cannot be written as XML; use
    :func:`validate` (or :meth:`Response.validate`) to check Plivo's own rules.
    """

    text: str
    src: str
    dst: str
    type: str | None = "sms"
    callback_url: str | None = None
    callback_method: str | None = None

    def __init__(
        self,
        text: str,
        src: str | int,
        dst: str | int | Sequence[str | int],
        type: str | None = "sms",
        callback_url: str | None = None,
        callback_method: str | None = None,
    ) -> None:
        if isinstance(dst, (list, tuple)):
            dst = "<".join(_checked(f"dst[{i}]", d, number=True) for i, d in enumerate(dst))
        # Fast path (the builder is benchmarked against the SDK): all plain strings, and one
        # search over them all finds no illegal character. Otherwise check field by field.
        if (
            isinstance(text, str)
            and isinstance(src, str)
            and isinstance(dst, str)
            and (type is None or isinstance(type, str))
            and (callback_url is None or isinstance(callback_url, str))
            and (callback_method is None or isinstance(callback_method, str))
            and ILLEGAL_CHAR.search(
                f"{text}{src}{dst}{type or ''}{callback_url or ''}{callback_method or ''}"
            )
            is None
        ):
            pass
        else:
            text = _checked("text", text)
            src = _checked("src", src, number=True)
            dst = _checked("dst", dst, number=True)
            type = _checked_optional("type", type)
            callback_url = _checked_optional("callback_url", callback_url)
            callback_method = _checked_optional("callback_method", callback_method)
        # Frozen: fields are set once, here, straight into the instance dict.
        self.__dict__.update(
            text=text,
            src=src,
            dst=dst,
            type=type,
            callback_url=callback_url,
            callback_method=callback_method,
        )

    @property
    def dsts(self) -> list[str]:
        """The destination numbers, split on ``<``."""
        return self.dst.split("<")

    def to_xml(self) -> str:
        """This element alone, as the SDK would write it inside a ``<Response>``."""
        cached: str | None = self.__dict__.get("_xml")
        if cached is None:
            head = f'<Message src="{_esc_attr(self.src)}" dst="{_esc_attr(self.dst)}"'
            if self.type is not None:
                head += f' type="{_esc_attr(self.type)}"'
            if self.callback_url is not None:
                head += f' callbackUrl="{_esc_attr(self.callback_url)}"'
            if self.callback_method is not None:
                head += f' callbackMethod="{_esc_attr(self.callback_method)}"'
            # lxml writes an element without text as self-closing, so does the SDK.
            cached = f"{head}>{_esc_text(self.text)}</Message>" if self.text else head + "/>"
            self.__dict__["_xml"] = cached  # frozen: fields never change, so this stays true
        return cached

    def __repr__(self) -> str:
        parts = [f"text={self.text!r}", f"src={self.src!r}", f"dst={self.dst!r}"]
        if self.type != "sms":
            parts.append(f"type={self.type!r}")
        if self.callback_url is not None:
            parts.append(f"callback_url={self.callback_url!r}")
        if self.callback_method is not None:
            parts.append(f"callback_method={self.callback_method!r}")
        return f"Message({', '.join(parts)})"


def parsed_message(text: str, attrs: Mapping[str, str]) -> Message:
    """A :class:`Message` from a parser's text and attributes (which must hold src and dst).

    Values from expat are already legal XML text: the builder's checks are skipped (parse
    speed).
    """
    m = object.__new__(Message)
    m.__dict__.update(
        text=text,
        src=attrs["src"],
        dst=attrs["dst"],
        type=attrs.get("type"),
        callback_url=attrs.get("callbackUrl"),
        callback_method=attrs.get("callbackMethod"),
    )
    return m
