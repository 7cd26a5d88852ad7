"""Cliniko-style 19-digit record ids, seeded random sources, and a keyed permutation of client indexes."""

from __future__ import annotations

import hashlib
import random

from sources.cliniko.settings import RESOURCES

# Every id is 10**18 + resource block + seed offset + slot: 19 decimal digits, far below 2**63 - 1, and
# above 2**53 so that a reader which turns ids into floats visibly corrupts them
# (research/sources.md §2.5: Cliniko ids are 64-bit integers delivered as strings).
_ID_FLOOR = 10**18
_RESOURCE_BLOCK = 10**16  # one block per resource: ids are unique across resources too
_SEED_BLOCK = 10**10
_SETUP_SLOTS = 10**7  # practice-level records (sites, contacts, group classes, attendees …)
CLIENT_SLOTS = 1000  # ids reserved per client and resource; generators stay well below
MAX_CLIENTS = 10_000_000  # client slots (≤ 10**10) plus the seed offset (< 5·10**15) stay inside one block
# Resources the dump delivers that the pipeline does not read (declared not migrated, sources/cliniko/settings.py
# NOT_MIGRATED_RESOURCES): their ids come after the read ones, so adding one moves no other id.
UNREAD_RESOURCES = ("products",)


def derive_key(seed: int, purpose: str) -> int:
    """A 64-bit key for `purpose`, derived from the run's seed (stable across platforms and Pythons)."""
    digest = hashlib.sha256(f"synthetic:{seed}:{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def seeded_rng(seed: int, purpose: str, index: int = 0) -> random.Random:
    """An independent `random.Random` for (seed, purpose, index), e.g. one per client."""
    return random.Random((derive_key(seed, purpose) << 32) + index)


class IdSpace:
    """Allocates ids: `setup(resource, n)` for practice-level rows, `client(resource, i, j)` per client.

    Client ids depend only on (client index, slot), so any chunk of clients can be generated on its
    own (in another process) and still get the same ids.
    """

    def __init__(self, seed: int):
        offset = derive_key(seed, "ids") % (_RESOURCE_BLOCK // _SEED_BLOCK // 2)
        # An odd low part: a double holds integers this size only to a multiple of 128, so all but
        # 1 id in 128 change when a reader passes them through a float.
        low = derive_key(seed, "ids-low") % 10**6 | 1
        self._base = {
            name: _ID_FLOOR + k * _RESOURCE_BLOCK + offset * _SEED_BLOCK + low
            for k, name in enumerate([*RESOURCES, *UNREAD_RESOURCES])
        }

    def setup(self, resource: str, n: int) -> str:
        """The id of the n-th practice-level record of `resource`."""
        if not 0 <= n < _SETUP_SLOTS:
            raise ValueError(f"setup slot {n} out of range")
        return str(self._base[resource] + n)

    def client(self, resource: str, i: int, j: int = 0) -> str:
        """The id of client `i`'s j-th record of `resource`."""
        if not 0 <= j < CLIENT_SLOTS:
            raise ValueError(f"client slot {j} out of range")
        return str(self._base[resource] + _SETUP_SLOTS + i * CLIENT_SLOTS + j)


class IndexPermutation:
    """A keyed bijection of range(size): a 4-round Feistel network with cycle walking.

    Used to give every client a distinct (first name, last name, date of birth) combination and a
    distinct identifier without remembering what was handed out — so uniqueness holds at any scale
    with constant memory, and each client's values can be computed in isolation.
    """

    def __init__(self, size: int, key: int):
        if size < 1:
            raise ValueError("size must be positive")
        self.size = size
        bits = max(2, (size - 1).bit_length())
        bits += bits % 2
        self._half = bits // 2
        self._mask = (1 << self._half) - 1
        self._keys = [(key >> (16 * r)) & 0xFFFF | (r + 1) << 16 for r in range(4)]

    def __call__(self, x: int) -> int:
        if not 0 <= x < self.size:
            raise ValueError(f"{x} is outside range({self.size})")
        half, mask, keys = self._half, self._mask, self._keys
        while True:
            left, right = x >> half, x & mask
            for k in keys:
                mixed = ((right ^ k) * 0x9E3779B1 + k) & 0xFFFFFFFF
                left, right = right, left ^ ((mixed ^ (mixed >> 15)) & mask)
            x = (left << half) | right
            if x < self.size:
                return x
