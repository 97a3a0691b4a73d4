"""Hypothesis strategies shared by the tests: shapes and seeds (cheap to draw, easy to shrink)."""
from __future__ import annotations

from hypothesis import strategies as st


def seeds() -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=2**32 - 1)


def shapes(min_dims: int = 1, max_dims: int = 3, min_side: int = 1, max_side: int = 5) -> st.SearchStrategy[tuple[int, ...]]:
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


def leading_shapes(max_dims: int = 2, max_side: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    """Batch axes put in front of a layer's feature axis (possibly none)."""
    return shapes(min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side)
