"""What an answer means: read within bounds, classified, decoded, and never holding the key.

Every answer the pipeline gets passes through here, and a hostile one must
not cost unbounded memory or raise: the body is read up to a byte limit
(:func:`read_capped`, after decompression), JSON is parsed with recursion
and bad encodings turned into problems, an error keeps only a preview of
its body, and the API key is scrubbed from everything an error keeps
(:func:`._secrets.scrub`) before anything is cut, so no fragment of it survives a cut.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy

from .._result import Err, Ok, Result
from .._utils import MIN_FRAGMENT, load_json, preview, scrub
from ..errors import (
    APIError,
    PartialBatchError,
    ResponseValidationError,
    _ResponseError,
)
from . import _converter

__all__ = [
    "BODY_PREVIEW_CHARS",
    "TEXT_CHARSETS",
    "Answer",
    "decode",
    "fits",
    "read_capped",
    "text_charset",
]

BODY_PREVIEW_CHARS = 8192
"""Characters of an error answer's body that the error keeps (``error.body``)."""

_JSON = "application/json"

_MESSAGE_CHARS = 16384
"""Characters of an error body read for its message: whitespace collapses, 300 are kept."""


class Answer:
    """One answer as read: the response, what was read of its body, and whether there was more.

    The response's parts are read from it when needed: a success pays for
    its status and content type only.
    """

    __slots__ = ("raw", "response", "truncated")

    def __init__(self, response: aiohttp.ClientResponse, raw: bytes, truncated: bool) -> None:
        self.response = response
        self.raw = raw
        self.truncated = truncated

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def reason(self) -> str:
        return self.response.reason or ""

    @property
    def headers(self) -> Mapping[str, str]:
        return self.response.headers

    @property
    def content_type(self) -> str:
        return self.response.content_type


def fits(response: aiohttp.ClientResponse, limit: int) -> bool:
    """Whether the body of *response* can be read whole: its declared length fits, unpacked.

    The common case, read with ``response.read()``; anything else goes
    through :func:`read_capped`.
    """
    headers = response.headers
    length = headers.get("Content-Length")
    if length is None or not length.isdecimal() or "Content-Encoding" in headers:
        return False
    return int(length) <= limit


async def read_capped(response: aiohttp.ClientResponse, limit: int) -> tuple[bytes, bool]:
    """The body of *response*, at most *limit* bytes of it decompressed, and whether there is more.

    Reading stops at the limit: a small compressed answer that unpacks to
    gigabytes costs *limit* bytes, not gigabytes.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > limit:
            chunks.append(chunk[: len(chunk) - (size - limit)])
            response.close()  # the rest is never read: the connection cannot be reused
            return b"".join(chunks), True
        chunks.append(chunk)
    return b"".join(chunks), False


def _scrubbed_headers(headers: Mapping[str, str], secret: str) -> Mapping[str, str]:
    if len(secret) < MIN_FRAGMENT or not any(
        scrub(value, secret) != value for value in headers.values()
    ):
        return headers
    return CIMultiDictProxy(CIMultiDict((k, scrub(v, secret)) for k, v in headers.items()))


TEXT_CHARSETS = frozenset(
    {
        *("utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-16-le"),
        *("utf-32", "utf-32-be", "utf-32-le", "ascii"),
        *(f"iso8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)),
        *(f"cp{n}" for n in (*range(1250, 1259), 437, 850, 866, 932, 949)),
        *("koi8-r", "koi8-u", "mac-roman", "tis-620", "shift_jis", "euc_jp", "iso2022_jp"),
        *("gb2312", "gbk", "gb18030", "big5", "euc_kr"),
    }
)
"""The charsets an answer's text is read in, by their codec's canonical name.

Any other (``punycode``, ``idna``, ``base64``, ``undefined``, a name Python does
not know) is read as UTF-8: whether some codec raises on some text differs
between Python versions, and a codec that does not raise may turn text into
garbage, so the rule is this list, not whether decoding happens to work.
"""


def text_charset(name: str | None) -> str:
    """The codec to read a body declared in charset *name* with: itself if listed, else UTF-8."""
    if not name:
        return "utf-8"
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return "utf-8"
    return canonical if canonical in TEXT_CHARSETS else "utf-8"


def _text(answer: Answer, chars: int | None = None) -> str:
    """The body as text (at most about *chars* characters), in its charset where that is text."""
    raw = answer.raw if chars is None else answer.raw[: chars * 4]  # 4 bytes a character at most
    text = raw.decode(text_charset(answer.response.charset), "replace")
    return text if chars is None else text[:chars]


def _parse(raw: bytes) -> tuple[Any, str | None]:
    """The JSON value of *raw*, or why it is none (not JSON, not UTF-8, nested too deep)."""
    try:
        return load_json(raw), None
    except RecursionError:
        return None, "the body is JSON nested deeper than Python can read"
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        return None, f"the body is not valid JSON ({exc})"


class Decoder:
    """The answer half of the codec for one operation: answer bytes to a value or an error.

    *response_type* is the model a success body becomes (``None``: the body
    is ignored and the value is ``None``); *partial_failure* marks the batch
    operations whose 500 has the typed partial-success body. The response
    model's structurer is generated on the first answer, so that importing
    an operation costs nothing.
    """

    __slots__ = ("_structure", "operation_id", "partial_failure", "response_type")

    def __init__(
        self, operation_id: str, response_type: type[Any] | None, *, partial_failure: bool = False
    ) -> None:
        self.operation_id = operation_id
        self.response_type = response_type
        self.partial_failure = partial_failure
        self._structure: Callable[[Any], Any] | None = None

    @property
    def structure(self) -> Callable[[Any], Any] | None:
        """The function that builds the response model from parsed JSON; made on first use."""
        if self._structure is None and self.response_type is not None:
            self._structure = _converter.structurer(self.response_type)
        return self._structure

    def __repr__(self) -> str:
        name = "None" if self.response_type is None else self.response_type.__name__
        return f"Decoder({self.operation_id} -> {name})"


def decode(
    decoder: Decoder, answer: Answer, event_ids: tuple[str, ...], secret: str, limit: int
) -> Result[Any]:
    """The outcome of one answer: its decoded value, or the error it stands for.

    *secret* is the key the request carried, scrubbed from whatever the
    error keeps; *limit* the byte limit the answer was read with.
    """
    status = answer.response.status
    if 200 <= status < 300:
        structure = decoder.structure
        if structure is None:
            return Ok(None)
        content_type = answer.response.content_type
        if not answer.truncated and (content_type == _JSON or content_type.endswith("+json")):
            try:  # the common case, without a detour
                return Ok(structure(load_json(answer.raw)))
            except Exception:  # not JSON, too deep, or another shape: described below
                pass
        problem = _success_problem(answer, limit)
        if problem is None:
            data, problem = _parse(answer.raw)
        if problem is None:
            problem = _shape_problem(data, decoder)
        return Err(_error(ResponseValidationError, decoder, answer, problem, event_ids, secret))
    message = APIError.describe(status, answer.reason, _text(answer, _MESSAGE_CHARS), secret)
    if answer.truncated:
        message += f" (the body is over {limit:,} bytes; the rest was not read)"
    if decoder.partial_failure and status == 500 and not answer.truncated:
        partial = _partial_body(answer.raw)
        if partial is not None:
            ids, errors, success = partial
            # The batcher writes these messages to logs and dead-letter files.
            errors = [scrub(text, secret) for text in errors]
            extra = {"event_ids": ids, "errors": errors, "success": success}
            error = _error(PartialBatchError, decoder, answer, message, event_ids, secret, extra)
            return Err(error)
    return Err(
        _error(APIError.for_status(answer.status), decoder, answer, message, event_ids, secret)
    )


def _success_problem(answer: Answer, limit: int) -> str | None:
    """Why a success answer cannot be decoded before its JSON is even read, if it cannot."""
    if answer.truncated:
        return (
            f"the answer is larger than max_response_bytes ({limit:,} bytes) and was not "
            "read further; raise max_response_bytes on the core or the call"
        )
    if answer.content_type == _JSON or answer.content_type.endswith("+json"):
        return None
    return f"expected a JSON body, got content type {answer.content_type!r}"


def _shape_problem(data: Any, decoder: Decoder) -> str:
    assert decoder.response_type is not None  # only called for operations with a response model
    issues = _converter.find_issues(data, decoder.response_type) or [("", "invalid")]
    listed = "; ".join(f"{path or '(body)'}: {msg}" for path, msg in issues)
    return f"unexpected response shape: {listed}"


def _partial_body(raw: bytes) -> tuple[list[str], list[str], bool] | None:
    """The typed batch 500 body ``{event_ids, errors, success}``, if that is what *raw* is."""
    data, problem = _parse(raw)
    if problem is not None or not isinstance(data, dict):
        return None
    ids, errors, success = data.get("event_ids"), data.get("errors"), data.get("success")
    if (
        isinstance(ids, list)
        and isinstance(errors, list)
        and isinstance(success, bool)
        and all(isinstance(x, str) for x in ids + errors)
    ):
        return ids, errors, success
    return None


E = TypeVar("E", bound=_ResponseError)


def _error(
    kind: type[E],
    decoder: Decoder,
    answer: Answer,
    message: str,
    sent_ids: tuple[str, ...],
    secret: str,
    extra: Mapping[str, Any] | None = None,
) -> E:
    return kind(
        scrub(message, secret),
        status_code=answer.status,
        headers=_scrubbed_headers(answer.headers, secret),
        body=preview(_text(answer, BODY_PREVIEW_CHARS + len(secret)), BODY_PREVIEW_CHARS, secret),
        content_type=answer.content_type,
        operation_id=decoder.operation_id,
        request_event_ids=sent_ids,
        **cast(dict[str, Any], extra or {}),
    )
