"""Everything that crosses threads, and the blocking API built on it.

The seam other packages use is exported here, standard library only (so
tracing can take it without importing asyncio or aiohttp):

- the one door: :func:`submit_to_loop` / :func:`call_in_loop` run a
  coroutine on another thread's loop; :func:`shared_loop` is the process's
  background loop thread; :func:`run_blocking` is the blocking clients' way
  through it (:mod:`._door`);
- one hand-off queue, :class:`Handoff`, from any thread to a loop (:mod:`._handoff`).

The registries for exit and fork work are in :mod:`.._utils` (``at_exit``,
``before_fork``, ``after_fork``), which the id pool needs too.

The blocking client (:mod:`._client`, ``HoneyHiveSync``) and batcher
(:mod:`._batcher`, ``EventBatcherSync``) live here too; the package root
imports them when their names are first used.
"""

from ._door import (
    LoopThread,
    call_in_loop,
    refuse_running_loop,
    run_blocking,
    running_loop,
    shared_loop,
    submit_to_loop,
)
from ._handoff import Handoff

__all__ = [
    "Handoff",
    "LoopThread",
    "call_in_loop",
    "refuse_running_loop",
    "run_blocking",
    "running_loop",
    "shared_loop",
    "submit_to_loop",
]
