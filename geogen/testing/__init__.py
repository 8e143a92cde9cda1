"""Test helpers shipped with the library (equivariance checks)."""

from geogen.testing.equivariance import (
    INVARIANT,
    EquivarianceErrors,
    Rep,
    assert_equivariant,
    node_indices,
    nodes,
    pairs,
    positions,
    vectors,
)

__all__ = ["assert_equivariant", "Rep", "INVARIANT", "nodes", "pairs", "positions", "vectors",
           "node_indices", "EquivarianceErrors"]
