"""The codec: requests to bytes, and answers to values or errors.

Two directions, one owner each, and nothing else in the package turns a
request into JSON or an answer into a model:

- the *request* half (:mod:`._request`): a :class:`RequestCodec` per
  operation normalizes a request (:mod:`._normalize`), checks and maps it
  to its wire dict with the compiled per-model encoder (:mod:`._converter`),
  gives the events it creates their client ids, and writes JSON
  (:mod:`._json`), giving an :class:`Encoded` body; the batcher's events go
  through the same steps one by one (:func:`encode_event`);
- the *answer* half (:mod:`._answers`): a :class:`Decoder` per operation
  reads an answer within its byte limit and decodes it into the response
  model (cattrs, :mod:`._cattrs`, loaded on first use) or the error it
  stands for.

The local server takes its checks on any JSON value from here too, so the
client and the server refuse the same bodies.
"""

from ._answers import Answer, Decoder, decode, fits, read_capped
from ._converter import to_wire, unstructure, warm_up
from ._json import depth_within, encode_json, finite_issue, is_text, too_deep, unicode_issue
from ._normalize import filter_type, infer_filter_type
from ._request import (
    BATCH_EVENT_DEPTH,
    EVENT_OPERATION_IDS,
    AnyEvent,
    Encoded,
    EncodedEvent,
    EventKind,
    RequestCodec,
    encode_event,
    event_kind,
)

__all__ = [
    "BATCH_EVENT_DEPTH",
    "EVENT_OPERATION_IDS",
    "Answer",
    "AnyEvent",
    "Decoder",
    "Encoded",
    "EncodedEvent",
    "EventKind",
    "RequestCodec",
    "decode",
    "depth_within",
    "encode_event",
    "encode_json",
    "event_kind",
    "filter_type",
    "finite_issue",
    "fits",
    "infer_filter_type",
    "is_text",
    "read_capped",
    "to_wire",
    "too_deep",
    "unicode_issue",
    "unstructure",
    "warm_up",
]
