"""The block's sites and the model variants are written down once: ``tinyspike/models/sites.py`` and
``tinyspike/models/variants.py``. Everything else reads them; these tests scan the code for a
second copy (a literal list of the sites, or a table of variants' transform and neuron switches)."""
import ast
import pathlib

from tinyspike.models.sites import LINEARS, NEURON_SITES

ROOT = pathlib.Path(__file__).resolve().parents[1]
SITES_MODULE = ROOT / "tinyspike" / "models" / "sites.py"
VARIANTS_MODULE = ROOT / "tinyspike" / "models" / "variants.py"
SITE_WORDS = {s.name for s in NEURON_SITES if len(s.name) > 1} | {s.neuron for s in NEURON_SITES}   # not q, k, v
LINEAR_WORDS = {lin.name for lin in LINEARS}
SWITCHES = {"h1", "h2", "h3", "neuron"}


def _python_files(*folders):
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def _strings(nodes) -> set:
    return {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _elements(node) -> list:
    """A literal's entries, and the entries of the tuples/lists/sets directly inside it (rows of a table)."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        top = node.elts
    elif isinstance(node, ast.Dict):
        top = [k for k in node.keys if k is not None] + node.values
    else:
        return []
    return top + [e for n in top if isinstance(n, (ast.Tuple, ast.List, ast.Set)) for e in n.elts]


def site_lists(source: str) -> list[int]:
    """Lines of literal tuples/lists/sets/dicts naming three or more neuron sites or Linears."""
    hits = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
            continue
        words = _strings(_elements(node))
        if len(words & SITE_WORDS) >= 3 or len(words & LINEAR_WORDS) >= 3:
            hits.append(node.lineno)
    return hits


def _switches(node) -> set:
    """The transform/neuron switches a dict literal, a dict(...) call or any call's keywords set to strings."""
    if isinstance(node, ast.Dict):
        return {k.value for k, v in zip(node.keys, node.values)
                if isinstance(k, ast.Constant) and isinstance(v, ast.Constant) and isinstance(v.value, str)} & SWITCHES
    if isinstance(node, ast.Call):
        return {kw.arg for kw in node.keywords
                if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str)} & SWITCHES
    return set()


def variant_tables(source: str) -> list[int]:
    """Lines that define variants: a dict from names to switch settings, or one mapping that sets
    all three transforms (H1, H2, H3) at once."""
    hits = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict) and node.keys and all(isinstance(k, ast.Constant) for k in node.keys) \
                and any(_switches(v) for v in node.values):
            hits.append(node.lineno)
        elif {"h1", "h2", "h3"} <= _switches(node):
            hits.append(node.lineno)
    return hits


def test_the_scanners_find_the_copies_they_look_for():
    """Each scanner flags the kind of copy the project used to have (so a clean scan means something)."""
    assert site_lists('SITES = ("attn_in", "q", "k", "v", "attn_out", "mlp_in", "mlp_hidden")') == [1]
    assert site_lists('NEURONS = ["spike_attn_in", "spike_q", "spike_k"]') == [1]
    assert site_lists('ATTR = {"attn_in": "spike_attn_in", "q": "spike_q", "k": "spike_k"}') == [1]
    assert site_lists('BASIS = {"attn_in": "R1", "attn_out": "R2", "mlp_in": "R1"}') == [1]
    assert site_lists('FOLDS = (("wq", "r1", None), ("wk", "r1", None), ("wv", "r1", "r2"))') == [1]
    assert site_lists('names = ("wq", "wk")\ngrads = {"q": 1, "k": 2, "v": 3}') == []
    assert variant_tables('V = {"spikingformer": {}, "smoothspike": dict(h1="learnable")}') == [1]
    assert variant_tables('V = {"a": {"neuron": "elastic"}}') == [1]
    assert variant_tables('LEARN = {"h1": "learnable", "h2": "learnable", "h3": "learnable"}') == [1]
    assert variant_tables('cfg = ModelConfig(d_model=8, h1="learnable", h2="learnable", h3="learnable")') == [1]
    assert variant_tables('cfg = ModelConfig(d_model=8, h1="fixed")\nrows = {"a": 1}') == []


def test_no_second_list_of_the_blocks_sites():
    found = {str(p.relative_to(ROOT)): lines for p in _python_files("tinyspike", "experiments", "benchmarks", "tests",
                                                                    "tutorials")
             if p != SITES_MODULE and (lines := site_lists(p.read_text()))}
    assert found == {}, "read the sites from tinyspike/models/sites.py"


def test_no_second_table_of_the_model_variants():
    found = {str(p.relative_to(ROOT)): lines for p in _python_files("tinyspike", "experiments", "benchmarks",
                                                                    "tests/export")
             if p != VARIANTS_MODULE and (lines := variant_tables(p.read_text()))}
    assert found == {}, "read the variants from tinyspike/models/variants.py"
