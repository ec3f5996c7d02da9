"""Password hashing (Argon2id) and random tokens whose hashes, never the tokens, are stored."""

from __future__ import annotations

import gzip
import hashlib
import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against a throw-away hash when the account does not exist, or has no usable password, keeps the answer's
# timing the same either way. Made on first use: computing it at import cost every command (and worker) an Argon2 run.
_dummy_hash: str | None = None
MIN_PASSWORD_LENGTH = 10
# The 20,000 most common breached passwords (Royce Williams' list, lowercased), as shipped by Django under the BSD
# licence (core/wordlists/common-passwords.LICENSE). OWASP ASVS 2.1.7 asks to refuse them: attackers try them first.
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "wordlists" / "common-passwords.txt.gz"


def use_cheap_hashing_for_tests() -> None:
    """Argon2's production cost (~64 MiB, several passes) dominates a test suite that creates thousands of users.

    Only the test fixtures call this; hashes record their own parameters, so verification is unaffected.
    """
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _dummy_hash = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hash


def verify_password(password_hash: str | None, password: str) -> bool:
    """Always spends one Argon2 verification, whether or not the account exists or has a usable password."""
    usable = bool(password_hash) and str(password_hash).startswith("$argon2")
    try:
        return _hasher.verify(password_hash if usable else _dummy(), password) and usable  # type: ignore[arg-type]
    except (VerificationError, InvalidHashError):
        return False


@cache
def common_passwords() -> frozenset[str]:
    """Read on the first password check, not at import: commands and workers that never check one don't pay for it."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def is_common_password(password: str) -> bool:
    """Case and surrounding spaces don't make a listed password any harder to guess."""
    return password.strip().lower() in common_passwords()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
