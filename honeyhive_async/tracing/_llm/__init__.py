"""Model calls recorded in one line: ``wrap_openai(client)`` and ``wrap_anthropic(client)``.

Each wrapper instruments the client it is given (the same object comes
back) so that each model call is one ``model`` event, shaped by
:mod:`.._model_event`. :mod:`._call` records a call and instruments a
stream in place; :mod:`._openai` and :mod:`._anthropic` read each API's
arguments, results and stream items; :mod:`._common` holds what they share.
Neither client library is imported: the clients are read by attribute.
"""

from ._anthropic import wrap_anthropic
from ._openai import wrap_openai

__all__ = ["wrap_anthropic", "wrap_openai"]
