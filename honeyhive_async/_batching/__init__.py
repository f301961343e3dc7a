"""Batching: events handed over without waiting, sent in batches, every one accounted for.

:class:`EventBatcher` (:mod:`._batcher`) queues events and cuts batches;
:mod:`._sender` sends them through the one retry policy; :mod:`._outcome`
decides what each answer means for each event; :mod:`._report` holds what
is reported back and :mod:`._dead_letter` writes it to a file;
:mod:`._alarm` logs outages once, not per event. Other packages reach a
batcher only through its public methods and its named intake
(:class:`Intake`, ``batcher.intake``).
"""

from ._batcher import DEFAULT_MAX_BATCH_BYTES, EventBatcher
from ._intake import Intake
from ._report import DeliveryReport, Reason, UndeliveredEvent

__all__ = [
    "DEFAULT_MAX_BATCH_BYTES",
    "DeliveryReport",
    "EventBatcher",
    "Intake",
    "Reason",
    "UndeliveredEvent",
]
