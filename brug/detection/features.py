"""Hashed word and character n-grams for the fast first stage (pure Python + NumPy).

The same function featurises training and live text, so no vocabulary file is needed; the
hash is CRC-32, which is stable across processes and platforms (Python's ``hash`` is not).
"""

from __future__ import annotations

from collections.abc import Sequence
from zlib import crc32

import numpy as np
import numpy.typing as npt

from .normalize import Token

N_FEATURES = 1 << 18
_MASK = N_FEATURES - 1


def _h(s: str) -> int:
    return crc32(s.encode("utf-8")) & _MASK


def token_features(tokens: Sequence[Token]) -> npt.NDArray[np.int64]:
    """Feature indices of one message: word unigrams and bigrams, character 4-grams."""
    keys = [t.key for t in tokens if t.kind != "mention"]
    for t in tokens:
        keys.extend(p.key for p in t.parts)
    feats: list[int] = []
    prev = "<s>"
    for k in keys:
        feats.append(_h("w:" + k))
        feats.append(_h("b:" + prev + " " + k))
        prev = k
        padded = f" {k} "
        if len(padded) > 4:
            feats.extend(_h("c:" + padded[i : i + 4]) for i in range(len(padded) - 3))
        else:
            feats.append(_h("c:" + padded))
    if not feats:
        feats.append(_h("<empty>"))
    return np.unique(np.asarray(feats, dtype=np.int64))


def to_csr(rows: Sequence[npt.NDArray[np.int64]]) -> tuple[
    npt.NDArray[np.float32], npt.NDArray[np.int64], npt.NDArray[np.int64]
]:
    """(data, indices, indptr) of an L2-normalised binary matrix, for scipy.sparse.csr_matrix."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    data = np.concatenate(
        [np.full(len(r), 1.0 / np.sqrt(max(len(r), 1)), dtype=np.float32) for r in rows]
    ) if rows else np.zeros(0, dtype=np.float32)
    return data, indices, indptr


def sparse_decision(
    rows: Sequence[npt.NDArray[np.int64]], weights: npt.NDArray[np.float32],
    bias: npt.NDArray[np.float32],
) -> npt.NDArray[np.float32]:
    """X @ W + b for L2-normalised binary rows, without SciPy."""
    out = np.empty((len(rows), weights.shape[1]), dtype=np.float32)
    for i, r in enumerate(rows):
        out[i] = weights[r].sum(axis=0) / np.sqrt(max(len(r), 1))
    return out + bias
