"""GLUE's official metrics, written out (tests compare them with scipy and hand-computed values)."""
from __future__ import annotations

import numpy as np


def accuracy(pred: np.ndarray, gold: np.ndarray) -> float:
    return float(np.mean(np.asarray(pred) == np.asarray(gold)))


def f1_binary(pred: np.ndarray, gold: np.ndarray) -> float:
    """F1 of the positive class (label 1): 2 TP / (2 TP + FP + FN)."""
    pred, gold = np.asarray(pred), np.asarray(gold)
    tp = np.sum((pred == 1) & (gold == 1))
    fp = np.sum((pred == 1) & (gold == 0))
    fn = np.sum((pred == 0) & (gold == 1))
    denom = 2 * tp + fp + fn
    return float(2 * tp / denom) if denom else 0.0


def matthews_corrcoef(pred: np.ndarray, gold: np.ndarray) -> float:
    """MCC = (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)); 0 when a margin is empty."""
    pred, gold = np.asarray(pred), np.asarray(gold)
    tp = float(np.sum((pred == 1) & (gold == 1)))
    tn = float(np.sum((pred == 0) & (gold == 0)))
    fp = float(np.sum((pred == 1) & (gold == 0)))
    fn = float(np.sum((pred == 0) & (gold == 1)))
    denom = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return float((tp * tn - fp * fn) / denom) if denom else 0.0


def pearson(pred: np.ndarray, gold: np.ndarray) -> float:
    x = np.asarray(pred, np.float64) - np.mean(pred)
    y = np.asarray(gold, np.float64) - np.mean(gold)
    denom = np.sqrt(np.sum(x * x) * np.sum(y * y))
    return float(np.sum(x * y) / denom) if denom else 0.0


def _ranks(a: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing the average of the ranks they span."""
    a = np.asarray(a)
    order = np.argsort(a, kind="mergesort")
    sorted_a = a[order]
    ranks = np.empty(len(a))
    i = 0
    while i < len(a):
        j = i
        while j + 1 < len(a) and sorted_a[j + 1] == sorted_a[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(pred: np.ndarray, gold: np.ndarray) -> float:
    """Pearson correlation of the (tie-averaged) ranks."""
    return pearson(_ranks(pred), _ranks(gold))


def task_metrics(task_metric_names: tuple[str, ...], pred: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    """The named metrics of one task, e.g. ("f1", "accuracy") for MRPC."""
    table = {"accuracy": accuracy, "f1": f1_binary, "mcc": matthews_corrcoef, "pearson": pearson,
             "spearman": spearman}
    return {name: table[name](pred, gold) for name in task_metric_names}
