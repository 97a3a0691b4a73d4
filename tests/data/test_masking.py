"""MLM masking: 15% of real tokens chosen, 80/10/10 replacement, specials never touched."""
import numpy as np

from tinyspike.data.masking import IGNORE, mask_tokens


def test_masking_rates_and_labels():
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 1000, (400, 128))
    ids[:, 0], ids[:, -1], ids[:, -20:-1] = 2, 3, 0    # [CLS], [SEP], padding
    out, labels = mask_tokens(ids, rng, mask_id=4, vocab_size=1000, special_ids=(0, 2, 3))
    chosen = labels != IGNORE
    real = ~np.isin(ids, (0, 2, 3))
    assert not chosen[~real].any() and (out[~real] == ids[~real]).all()
    n = chosen.sum()
    assert abs(n / real.sum() - 0.15) < 0.005                      # about 15% of real tokens
    assert (labels[chosen] == ids[chosen]).all()
    masked = (out == 4) & chosen
    unchanged = (out == ids) & chosen
    assert abs(masked.sum() / n - 0.8) < 0.01
    assert abs(unchanged.sum() / n - 0.1) < 0.01 + 1 / 1000       # random draws can hit the same id
    assert ((out != ids) & ~chosen).sum() == 0
