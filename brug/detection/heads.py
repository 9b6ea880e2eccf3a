"""Calibrated linear heads: one logistic regression per category, with Platt scaling.

Stored as plain arrays (``.npz``) so inference needs NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]


def sigmoid(x: F32) -> F32:
    return (1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))).astype(np.float32)


@dataclass
class LinearHeads:
    """``p = sigmoid(a * (x @ W + b) + c)`` per category (a, c: Platt scaling)."""

    categories: tuple[str, ...]
    weights: F32  # (d, C)
    bias: F32  # (C,)
    platt_a: F32  # (C,)
    platt_c: F32  # (C,)

    def calibrate(self, decision: F32) -> F32:
        return sigmoid(self.platt_a * decision + self.platt_c)

    def predict_dense(self, x: F32) -> F32:
        return self.calibrate(x @ self.weights + self.bias)

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path, categories=np.asarray(self.categories), weights=self.weights.astype(np.float32),
            bias=self.bias, platt_a=self.platt_a, platt_c=self.platt_c,
        )

    @classmethod
    def load(cls, path: Path) -> LinearHeads:
        with np.load(path, allow_pickle=False) as z:
            return cls(
                categories=tuple(str(c) for c in z["categories"]),
                weights=z["weights"].astype(np.float32), bias=z["bias"].astype(np.float32),
                platt_a=z["platt_a"].astype(np.float32), platt_c=z["platt_c"].astype(np.float32),
            )
