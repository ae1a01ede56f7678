"""How shown text is compared: Unicode NFKC (full-width and half-width forms alike), outer
whitespace stripped and inner runs collapsed to one space. Integrations that send a description
hash compute it the same way: SHA-256 hex of the normalised text, UTF-8."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def description_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()
