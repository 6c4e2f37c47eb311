"""Deterministic randomness: the same seed and key always give the same stream."""

from __future__ import annotations

import hashlib
import random


def rng_for(*key: object) -> random.Random:
    """A private random stream for one (seed, source, entity, unit, month, ...) key.

    random.Random seeded with a str hashes it with SHA-512, which is stable across
    processes and Python versions (unlike hash()).
    """
    return random.Random(":".join(str(k) for k in key))


def unit_interval(*key: object) -> float:
    """A stable number in [0, 1) for a key, without building a generator."""
    digest = hashlib.blake2b(":".join(str(k) for k in key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
