"""Voters grouped by identical ballots, for the batch engine (``batch.py``).

Voters who cast the same ballot hold the same budget in every run (Wieliczka 2023: 6,586
voters, 1,190 different ballots). Classes are found by hashing and then checked exactly, so a
hash collision can only cost speed (the voters are then kept one by one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocation.pb.support import Support


@dataclass
class Classes:
    """Voters grouped by identical ballots.

    For project j: ``voters[j]`` the classes that support it (ascending), ``counts[j]`` how
    many voters each holds (float), ``wc[j]`` weight times count as exact integers (int64)
    and ``weights[j]`` each class's weight as a float (None: every weight is 1).
    """

    n: int
    voters: list[np.ndarray]
    counts: list[np.ndarray]
    wc: list[np.ndarray]
    weights: list[np.ndarray | None]


def classes(s: Support) -> Classes:
    """The ballot classes of ``s`` (kept on the support: add1 asks for them again)."""
    key = (s.voters, s.codes, list(s.weight_values))
    found = s.ballot_classes
    if found is not None and found[0] is key[0] and found[1] is key[1] and found[2] == key[2]:
        return found[3]
    result = _grouped(s) or _one_by_one(s)
    s.ballot_classes = (*key, result)
    return result


def _one_by_one(s: Support) -> Classes:
    wf = [float(w) for w in s.weight_values]
    wi = np.array([int(w) for w in s.weight_values], dtype=np.int64)
    weights = [None if c is None else np.array(wf)[c] for c in s.codes]
    wc = [
        np.ones(len(v), dtype=np.int64) if c is None else wi[c]
        for v, c in zip(s.voters, s.codes, strict=True)
    ]
    counts = [np.ones(len(v)) for v in s.voters]
    return Classes(s.n, [v.astype(np.int64) for v in s.voters], counts, wc, weights)


def _grouped(s: Support) -> Classes | None:
    """Classes of identical ballots, or None if a hash collision merged different ones."""
    if s.n == 0:
        return None
    kinds = max(1, len(s.weight_values))
    keys = _mix(np.arange(1, s.m * kinds + 1, dtype=np.uint64)).reshape(s.m, kinds)
    h = np.zeros(s.n, dtype=np.uint64)
    for j in range(s.m):
        codes = s.codes[j]
        h[s.voters[j]] += keys[j, 0] if codes is None else keys[j, codes]  # wraps: fine
    _, cls, size = np.unique(h, return_inverse=True, return_counts=True)
    cls = cls.ravel()
    nc = len(size)
    # Number the classes so that each large project's supporters sit close together (they
    # are read as whole rows: gathering scattered rows costs more than the arithmetic).
    # Sort key: one bit per project, the most supported project the most significant.
    key = np.zeros(nc, dtype=np.uint64)
    by_support = sorted(range(s.m), key=lambda j: -len(s.voters[j]))[:64]
    for rank, j in enumerate(by_support):
        key[cls[s.voters[j]]] |= np.uint64(1 << (63 - rank))
    order = np.argsort(~key, kind="stable")
    renumber = np.empty(nc, dtype=np.int64)
    renumber[order] = np.arange(nc)
    cls, size = renumber[cls], size[order]
    wf = np.array([float(w) for w in s.weight_values])
    wi = np.array([int(w) for w in s.weight_values], dtype=np.int64)
    voters, counts, wcs, weights = [], [], [], []
    for j in range(s.m):
        c = cls[s.voters[j]]
        per = np.bincount(c, minlength=nc)
        ids = per.nonzero()[0]
        # Every voter of a class must back j, with the same weight, or none of them.
        if not np.array_equal(per[ids], size[ids]):
            return None
        codes = s.codes[j]
        if codes is None:
            weights.append(None)
            wcs.append(size[ids].astype(np.int64))
        else:
            code_of = np.full(nc, -1, dtype=np.int64)
            code_of[c] = codes
            if not np.array_equal(code_of[c], codes):
                return None
            weights.append(wf[code_of[ids]])
            wcs.append(wi[code_of[ids]] * size[ids])
        voters.append(ids)
        counts.append(size[ids].astype(np.float64))
    return Classes(nc, voters, counts, wcs, weights)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64: a well-spread 64-bit key for each whole number (wrapping arithmetic)."""
    x = x * np.uint64(0x9E3779B97F4A7C15)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def batch_usable(s: Support) -> bool:
    """Weights and counts small enough that every total weight is an exact float."""
    return all(int(x.sum()) < (1 << 52) for x in classes(s).wc)
