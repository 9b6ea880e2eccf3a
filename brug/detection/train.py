"""`brug train`: fit the first-stage and e5 heads, calibrate them, tune the gate, save.

Reproducible: a fixed seed, the synthetic generator's fixed seed, and sorted inputs. Embeddings
are cached on disk by text hash (``BRUG_CACHE``, default ``.cache/``) so a retrain after adding
reviewer labels only embeds the new texts. Needs the ``train`` extra (scikit-learn, SciPy).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .categories import CATEGORIES, MODIFIERS
from .datasets import Example
from .detector import DEFAULT_MODEL_DIR, Analysis, Detector
from .features import N_FEATURES, to_csr, token_features
from .heads import LinearHeads, sigmoid

F32 = npt.NDArray[np.float32]
Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _cache_dir() -> Path:
    return Path(os.environ.get("BRUG_CACHE", ".cache"))


def embed_cached(detector: Detector, texts: Sequence[str], log: Log = _stderr) -> F32:
    """Embeddings for texts, reusing the on-disk cache."""
    cache = _cache_dir() / "e5-embeddings.npz"
    known: dict[str, F32] = {}
    if cache.exists():
        with np.load(cache, allow_pickle=False) as z:
            known = dict(zip((str(k) for k in z["keys"]), z["vectors"], strict=True))
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    if missing:
        log(f"embedding {len(missing)} new texts ({len(known)} cached)")
        start = time.monotonic()
        step = 512
        for i in range(0, len(missing), step):
            part = missing[i : i + step]
            vecs = detector.encoder.encode([t for _, t in part])
            known.update(zip((k for k, _ in part), vecs, strict=True))
            done = min(i + step, len(missing))
            rate = done / max(time.monotonic() - start, 1e-9)
            log(f"  {done}/{len(missing)} ({rate:.0f} texts/s)")
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, keys=np.asarray(list(known)), vectors=np.vstack(list(known.values())))
    return np.vstack([known[k] for k in keys]).astype(np.float32)


def _split(
    y: npt.NDArray[np.int64], seed: int, frac: float = 0.15
) -> tuple[list[int], list[int]]:
    """Stratified split: `frac` of each class goes to the calibration part (at least one)."""
    rng = random.Random(seed)
    train: list[int] = []
    calib: list[int] = []
    for cls in (0, 1):
        idx = [i for i in range(len(y)) if y[i] == cls]
        rng.shuffle(idx)
        cut = max(1, int(len(idx) * frac))
        calib += idx[:cut]
        train += idx[cut:]
    return sorted(train), sorted(calib)


def _fit_head(
    x: Any, y: npt.NDArray[np.int64], w: F32, train: list[int], calib: list[int], c_reg: float,
) -> tuple[F32, float, float, float, dict[str, float]]:
    """(weights, bias, platt_a, platt_c, calibration-split metrics) of one category."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score, roc_auc_score

    def fit(rows: list[int]) -> Any:
        model = LogisticRegression(C=c_reg, class_weight="balanced", max_iter=2000)
        model.fit(x[rows], y[rows], sample_weight=w[rows])
        return model

    model = fit(train)
    dec = model.decision_function(x[calib])
    # Platt scaling on class-balanced weights: a score of 0.5 means "as likely as not" at equal
    # priors, independent of how many positives the training mix happened to have.
    pos_rate = float(y[calib].mean())
    balance = np.where(y[calib] == 1, 0.5 / pos_rate, 0.5 / (1.0 - pos_rate))
    platt = LogisticRegression(C=1e4, max_iter=1000).fit(
        dec.reshape(-1, 1), y[calib], sample_weight=balance
    )
    a, c = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    probs = sigmoid((a * dec + c).astype(np.float32))
    metrics = {
        "n_train": len(train),
        "n_calib": len(calib),
        "positives": int(y.sum()),
        "f1_at_0.5": float(f1_score(y[calib], probs >= 0.5, zero_division=0)),
        "auc": float(roc_auc_score(y[calib], probs)) if 0 < y[calib].sum() < len(calib) else 0.0,
    }
    final = fit(train + calib)
    return (final.coef_[0].astype(np.float32), float(final.intercept_[0]), a, c, metrics)


def fit_heads(
    x: Any, examples: Sequence[Example], seed: int, c_reg: float, log: Log
) -> tuple[LinearHeads, dict[str, dict[str, float]]]:
    dim = x.shape[1]
    weights = np.zeros((dim, len(CATEGORIES)), dtype=np.float32)
    bias = np.zeros(len(CATEGORIES), dtype=np.float32)
    pa = np.ones(len(CATEGORIES), dtype=np.float32)
    pc = np.zeros(len(CATEGORIES), dtype=np.float32)
    report: dict[str, dict[str, float]] = {}
    for j, cat in enumerate(CATEGORIES):
        rows = [i for i, e in enumerate(examples) if cat in e.labels]
        y = np.asarray([examples[i].labels[cat] for i in rows], dtype=np.int64)
        w = np.asarray([examples[i].weight for i in rows], dtype=np.float32)
        if min(int(y.sum()), int(len(y) - y.sum())) < 2:
            log(f"  {cat}: skipped (needs at least two positive and two negative examples)")
            continue
        train, calib = _split(y, seed + j)
        xc = x[rows]
        weights[:, j], bias[j], pa[j], pc[j], report[cat] = _fit_head(
            xc, y, w, train, calib, c_reg
        )
        log(f"  {cat}: {report[cat]}")
    return LinearHeads(tuple(CATEGORIES), weights, bias, pa, pc), report


def tune_gate(
    detector: Detector, examples: Sequence[Example], analyses: Sequence[Analysis],
    first: LinearHeads, recall: float, x_sparse: Any,
) -> tuple[float, dict[str, float]]:
    """Highest first-stage threshold that keeps `recall` of the messages with a signal category
    (modifiers alone do not count, see Detector.first_stage_gate)."""
    signal = [c for c in CATEGORIES if c not in MODIFIERS]
    pos = [i for i, e in enumerate(examples) if any(e.labels.get(c) == 1 for c in signal)]
    neg = [i for i, e in enumerate(examples)
           if e.labels and not any(e.labels.get(c) for c in signal)]
    scores = first.calibrate(np.asarray(x_sparse @ first.weights) + first.bias)
    lex = np.asarray([detector.lexicon_gate(a) for a in analyses], dtype=bool)

    def passed(t: float) -> npt.NDArray[np.bool_]:
        by_first: npt.NDArray[np.bool_] = detector.first_stage_gate(scores, first.categories, t)
        return lex | by_first

    best = 0.01
    for t in np.arange(0.01, 0.6, 0.01):
        if passed(float(t))[pos].mean() >= recall:
            best = float(t)
    passed_pos = passed(best)[pos]
    passed_neg = passed(best)[neg]
    return round(best, 2), {
        "threshold": round(best, 2),
        "recall_positive": float(passed_pos.mean()) if pos else 0.0,
        "pass_rate_negative": float(passed_neg.mean()) if neg else 0.0,
    }


def train(
    *,
    data_dir: Path | None,
    labels: Sequence[Path] = (),
    out: Path = DEFAULT_MODEL_DIR,
    seed: int = 0,
    per_lang: int = 4000,
    gate_recall: float = 0.99,
    log: Log = _stderr,
) -> dict[str, Any]:
    from scipy.sparse import csr_matrix

    from . import datasets

    base = Detector.from_disk(DEFAULT_MODEL_DIR)
    examples = list(datasets.synthetic(seed=seed, per_lang=per_lang))
    counts = {"synthetic": len(examples)}
    if data_dir is not None:
        if not data_dir.is_dir():
            raise FileNotFoundError(f"data directory not found: {data_dir}")
        extra = list(datasets.open_datasets(data_dir))
        for e in extra:
            counts[e.source] = counts.get(e.source, 0) + 1
        examples += extra
    for path in labels:
        extra = list(datasets.reviewer_labels(path))
        counts["reviewers"] = counts.get("reviewers", 0) + len(extra)
        examples += extra
    log(f"training examples: {counts}")

    analyses = [base.analyse(e.text, [e.lang]) for e in examples]
    log("first stage (hashed n-grams)")
    data, indices, indptr = to_csr([token_features(a.tokens) for a in analyses])
    x_sparse = csr_matrix((data, indices, indptr), shape=(len(examples), N_FEATURES))
    first, first_report = fit_heads(x_sparse, examples, seed, 4.0, log)

    log("learned stage (e5 embeddings)")
    x_dense = embed_cached(base, [a.canonical for a in analyses], log)
    learned, learned_report = fit_heads(x_dense, examples, seed, 2.0, log)

    threshold, gate_report = tune_gate(base, examples, analyses, first, gate_recall, x_sparse)
    log(f"gate: {gate_report}")
    config = json.loads(json.dumps(base.config))
    config["gate"]["threshold"] = threshold
    detector = Detector(config, base.lexicon, first, learned, lexicon_dir=base.lexicon_dir)
    if out.resolve() == DEFAULT_MODEL_DIR.resolve():
        # The packaged model keeps using the package's lexicon files, and its hand-written,
        # commented config.toml: only the tuned gate threshold is rewritten in place.
        cfg = out / "config.toml"
        text = re.sub(r"(\[gate\][^\[]*?\nthreshold = )[0-9.]+", rf"\g<1>{threshold}",
                      cfg.read_text(encoding="utf-8"), count=1)
        cfg.write_text(text, encoding="utf-8")
        first.save(out / "ngram_heads.npz")
        learned.save(out / "e5_heads.npz")
    else:
        detector.to_disk(out)
    report = {
        "examples": counts,
        "first_stage": first_report,
        "learned": learned_report,
        "gate": gate_report,
        "seed": seed,
    }
    (out / "training-report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report
