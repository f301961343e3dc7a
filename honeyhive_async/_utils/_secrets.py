"""Keeping the API key out of everything an error keeps (standard library only).

A server may echo the key, whole or in part, in an answer; the errors built
from that answer keep its text, and their messages end up in logs and
dead-letter files. :func:`scrub` removes every run of the key's characters
long enough to matter; texts are scrubbed before they are cut, so that no
cut can leave a piece of the key that no longer matches it whole.
"""

from __future__ import annotations

__all__ = ["MIN_FRAGMENT", "preview", "scrub"]

MIN_FRAGMENT = 8
"""Runs of the key this long or longer are scrubbed; a key shorter than this is no real key."""

MASK = "***"


def scrub(text: str, secret: str) -> str:
    """*text* with every run of :data:`MIN_FRAGMENT` or more characters of *secret* as ``***``."""
    if len(secret) < MIN_FRAGMENT or not text:
        return text
    spans: list[tuple[int, int]] = []
    for start in range(len(secret) - MIN_FRAGMENT + 1):
        piece = secret[start : start + MIN_FRAGMENT]
        found = text.find(piece)
        while found != -1:
            spans.append((found, found + MIN_FRAGMENT))
            found = text.find(piece, found + 1)
    if not spans:
        return text
    spans.sort()
    out: list[str] = []
    position = 0
    for begin, end in spans:
        if end <= position:  # inside the run already masked
            continue
        if begin > position or not out:
            out += [text[position:begin], MASK]
        position = end
    out.append(text[position:])
    return "".join(out)


def preview(text: str, chars: int, secret: str = "") -> str:
    """The start of *text*, at most *chars* characters and ``...``, scrubbed before it is cut."""
    room = chars + len(secret)  # a key across the cut is still whole here, and scrubbed
    cut = scrub(text[:room], secret)
    return cut[:chars] + "..." if len(cut) > chars or len(text) > room else cut
