"""The toy suite is deterministic and needs composition: bag-of-words cannot solve it."""
import numpy as np
import pytest

from tinyspike.data.toy import TOY_TASKS, make_toy_task


@pytest.mark.parametrize("task", list(TOY_TASKS))
def test_toy_task_is_deterministic_and_seed_dependent(task):
    a, b, c = make_toy_task(task, "train", 50, 0), make_toy_task(task, "train", 50, 0), make_toy_task(task, "train", 50, 1)
    assert a.text_a == b.text_a and np.array_equal(a.labels, b.labels)
    assert a.text_a != c.text_a
    assert make_toy_task(task, "dev", 50, 0).text_a != a.text_a


def _bag(texts, vocab):
    return np.array([[t.split().count(w) for w in vocab] for t in texts], float)


def test_toy_order_pairs_have_identical_bags_of_words_across_labels():
    s = make_toy_task("toy-order", "train", 200)
    # the second sentence's word multiset does not depend on the label, given the first sentence
    assert len(set(s.labels.tolist())) == 2
    for a, b in zip(s.text_a, s.text_b):
        x, verb, z = a.split()[1], a.split()[2], a.split()[4]
        assert sorted(b.split()) == sorted(f"the {x} was {verb} by the {z}".split())


def test_toy_negation_defeats_a_linear_bag_of_words_model():
    train, dev = make_toy_task("toy-negation", "train", 2000), make_toy_task("toy-negation", "dev", 500)
    vocab = sorted({w for t in train.text_a for w in t.split()})
    X, Xd = _bag(train.text_a, vocab), _bag(dev.text_a, vocab)
    X1, Xd1 = np.c_[X, np.ones(len(X))], np.c_[Xd, np.ones(len(Xd))]
    w, *_ = np.linalg.lstsq(X1, 2.0 * train.labels - 1, rcond=None)   # best linear separator (least squares)
    acc = np.mean((Xd1 @ w > 0) == dev.labels)
    assert acc < 0.7   # XOR of polarity and negation: bag-of-words stays near chance


def test_toy_overlap_scores_count_shared_items():
    s = make_toy_task("toy-overlap", "dev", 100)
    for a, b, y in zip(s.text_a, s.text_b, s.labels):
        assert y == pytest.approx(5.0 * len(set(a.split()) & set(b.split())) / 4)
