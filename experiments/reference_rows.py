"""Reference rows any reader can compare a GLUE result with: the majority class and a bag-of-words model.

``PYTHONPATH=. python experiments/reference_rows.py --glue-dir PATH --out results/reference-rows.json``

On each task's dev set, from its training set only:

* majority: the most frequent training label for every dev example (STS-B: the mean training score,
  whose correlation with anything is 0 by definition);
* bag of words: lower-cased word unigrams and bigrams (the two sentences of a pair in separate feature
  spaces, plus the words they share), counts scaled by 1 / sqrt(row length), and an L2-regularised
  linear model: logistic regression for the classification tasks (scipy's L-BFGS on the mean
  cross-entropy plus lambda/2 ||w||^2), ridge regression for STS-B. lambda is chosen from LAMBDAS on a
  held-out tenth of the training set (never on dev), then the model is refitted on the whole training set.

A spiking transformer that loses to these rows has learned less than word counts.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from tinyspike.data.glue import GLUE_TASKS, load_glue
from tinyspike.data.metrics import task_metrics

TASKS = ("cola", "sst2", "mrpc", "stsb", "rte")
LAMBDAS = (1e-5, 1e-4, 1e-3)      # L2 strengths per example, chosen on held-out training data
WORD = re.compile(r"[a-z0-9']+")


def ngrams(text: str) -> list[str]:
    """Lower-cased words and adjacent word pairs."""
    w = WORD.findall(text.lower())
    return w + [f"{a} {b}" for a, b in zip(w, w[1:])]


def features(a: list[str], b: list[str] | None) -> list[list[str]]:
    """Per example: the first sentence's n-grams, the second's in their own space, and the shared words."""
    if b is None:
        return [ngrams(x) for x in a]
    out = []
    for x, y in zip(a, b):
        fx, fy = ngrams(x), ngrams(y)
        out.append([f"a:{g}" for g in fx] + [f"b:{g}" for g in fy] + [f"both:{g}" for g in set(fx) & set(fy)])
    return out


def vectorise(train: list[list[str]], dev: list[list[str]]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Count matrices over the training vocabulary (n-grams seen once in training are kept), rows / sqrt(length)."""
    vocab = {g: i for i, g in enumerate(sorted({g for row in train for g in row}))}

    def matrix(rows):
        r, c = [], []
        for i, row in enumerate(rows):
            idx = [vocab[g] for g in row if g in vocab]
            r += [i] * len(idx)
            c += idx
        m = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), len(vocab)))
        m.sum_duplicates()
        scale = 1.0 / np.sqrt(np.maximum(np.asarray(m.sum(1)).ravel(), 1.0))
        return sp.diags(scale) @ m

    return matrix(train), matrix(dev)


def logistic_regression(x: sp.csr_matrix, y: np.ndarray, classes: int, lam: float) -> np.ndarray:
    """Weights (d + 1, classes) minimising mean softmax cross-entropy + lam/2 ||W||^2 (bias not penalised)."""
    n, d = x.shape
    xb = sp.hstack([x, np.ones((n, 1))]).tocsr()
    onehot = np.eye(classes)[y]

    def loss_grad(w):
        w = w.reshape(d + 1, classes)
        z = xb @ w
        z = z - z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        loss = -np.sum(onehot * np.log(p + 1e-300)) / n + lam / 2 * np.sum(w[:-1] ** 2)
        g = xb.T @ (p - onehot) / n
        g[:-1] += lam * w[:-1]
        return loss, g.ravel()

    res = scipy.optimize.minimize(loss_grad, np.zeros((d + 1) * classes), jac=True, method="L-BFGS-B",
                                  options={"maxiter": 500})
    return res.x.reshape(d + 1, classes)


def ridge(x: sp.csr_matrix, y: np.ndarray, lam: float) -> np.ndarray:
    """Weights (d + 1,) minimising mean squared error + lam/2 ||w||^2 (bias not penalised), by L-BFGS."""
    n, d = x.shape
    xb = sp.hstack([x, np.ones((n, 1))]).tocsr()

    def loss_grad(w):
        r = xb @ w - y
        g = xb.T @ r * (2 / n)
        g[:-1] += lam * w[:-1]
        return float(r @ r / n + lam / 2 * w[:-1] @ w[:-1]), g

    return scipy.optimize.minimize(loss_grad, np.zeros(d + 1), jac=True, method="L-BFGS-B",
                                   options={"maxiter": 1000}).x


def fit_predict(xtr, ytr, xdev, classes: int | None, lam: float) -> np.ndarray:
    """Fit on (xtr, ytr) and predict xdev: class ids, or scores when ``classes`` is None (regression)."""
    xdev_b = sp.hstack([xdev, np.ones((xdev.shape[0], 1))]).tocsr()
    if classes is None:
        return xdev_b @ ridge(xtr, ytr.astype(np.float64), lam)
    return (xdev_b @ logistic_regression(xtr, ytr, classes, lam)).argmax(1)


def choose_lambda(feats: list[list[str]], y: np.ndarray, classes: int | None, metrics, seed: int = 0) -> float:
    """The L2 strength with the best first metric on a held-out tenth of the training set."""
    order = np.random.default_rng(seed).permutation(len(y))
    held, fit = order[: len(y) // 10], order[len(y) // 10:]
    xfit, xheld = vectorise([feats[i] for i in fit], [feats[i] for i in held])
    scores = {lam: task_metrics(metrics, fit_predict(xfit, y[fit], xheld, classes, lam), y[held])[metrics[0]]
              for lam in LAMBDAS}
    return max(scores, key=scores.get)


def rows_for(task: str, glue_dir) -> dict:
    spec = GLUE_TASKS[task]
    train, dev = load_glue(task, "train", glue_dir), load_glue(task, "dev", glue_dir)
    t0 = time.perf_counter()
    ftr = features(train.text_a, train.text_b)
    xtr, xdev = vectorise(ftr, features(dev.text_a, dev.text_b))
    gold, y = np.asarray(dev.labels), np.asarray(train.labels)
    classes = None if spec.labels is None else spec.num_labels
    if classes is None:                                      # STS-B: regression
        majority = np.full(len(gold), float(np.mean(y)))
    else:
        majority = np.full(len(gold), np.bincount(y).argmax())
    lam = choose_lambda(ftr, y, classes, spec.metrics)
    bow = fit_predict(xtr, y, xdev, classes, lam)
    return {"task": task, "metrics": list(spec.metrics), "train": len(train), "dev": len(dev),
            "features": xtr.shape[1], "lambda": lam, "seconds": round(time.perf_counter() - t0, 2),
            "majority": task_metrics(spec.metrics, majority, gold), "bag_of_words": task_metrics(spec.metrics, bow, gold)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python experiments/reference_rows.py", description=__doc__.splitlines()[0])
    p.add_argument("--glue-dir", required=True, help="folder with the GLUE TSV files (CoLA, SST-2, MRPC, STS-B, RTE)")
    p.add_argument("--out", required=True, help="JSON file to write")
    p.add_argument("--tasks", default=",".join(TASKS))
    args = p.parse_args(argv)
    rows = []
    for task in args.tasks.split(","):
        rows.append(rows_for(task, args.glue_dir))
        r = rows[-1]
        print(f"{task:5s} majority {r['majority']}  bag of words {r['bag_of_words']}  ({r['seconds']} s)", flush=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"lambdas": list(LAMBDAS), "rows": rows}, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
