"""Identity keys for deduplicating signatures without keeping identities: an HMAC-SHA256 of the normalised
identity (full name + date of birth + address, or a national id), keyed with the app's secret.

Normalisation makes "  Jöhn  O'Brien " and "john obrien" the same key: Unicode NFKD without accents, case-folded,
letters and digits only, whitespace collapsed. A national id keeps only its letters and digits. The clear values
are never stored, logged or exported.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date

_NON_WORD = re.compile(r"[^0-9a-z ]+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _SPACES.sub(" ", _NON_WORD.sub("", plain)).strip()


def identity_key(
    *, name: str = "", birth_date: date | None = None, address: str = "", national_id: str = ""
) -> str | None:
    """The clear key to hash, or None when the identity is incomplete (a national id alone suffices)."""
    nid = re.sub(r"[^0-9A-Za-z]", "", national_id or "").upper()
    if nid:
        return f"id:{nid}"
    if normalise(name) and birth_date is not None and normalise(address):
        return f"p:{normalise(name)}|{birth_date.isoformat()}|{normalise(address)}"
    return None


def identity_hash(secret: str, key: str) -> str:
    return hmac.new(f"proposals:{secret}".encode(), key.encode(), hashlib.sha256).hexdigest()
