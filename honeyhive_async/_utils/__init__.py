"""Standard-library-only helpers the rest of the package shares.

JSON text with the C encoder built once (:mod:`._json`), client-side event
ids from one generator and one pool (:mod:`._ids`), secrets kept out of
messages (:mod:`._secrets`), ``with``-block bases (:mod:`._closing`) and the
``HONEYHIVE_LOG`` switch (:mod:`._logging`). Other subpackages import the
names exported here, never the private modules; only what tracing needs
(ids, JSON) is loaded with the package, so importing tracing stays cheap.
"""

from ._ids import event_id_stream, new_event_id, new_event_ids
from ._json import make_json_encoder

__all__ = ["event_id_stream", "make_json_encoder", "new_event_id", "new_event_ids"]
