"""RDKit glue: dense tensors <-> molecules (GDSS protocol), valency correction, writers, drawing.

RDKit is imported lazily inside the functions, so importing this package stays light.
"""

from geogen.chem.decode import (
    DecodedMolecules,
    build_mol,
    canonical_smiles,
    correct_valence,
    decode_dense,
    first_valence_problem,
    largest_fragment,
    quantize_atoms,
    quantize_bonds,
)
from geogen.chem.encode import (
    CompactMolecules,
    DenseMolecules,
    EncodingFailure,
    compact_to_dense,
    encode_compact,
    encode_smiles,
)
from geogen.chem.io import atomic_output, draw_grid, embed_conformer, write_sdf, write_smiles
from geogen.chem.vocabulary import QM9_ATOMS, ZINC250K_ATOMS, AtomVocabulary

__all__ = [
    "AtomVocabulary",
    "QM9_ATOMS",
    "ZINC250K_ATOMS",
    "EncodingFailure",
    "CompactMolecules",
    "DenseMolecules",
    "encode_compact",
    "encode_smiles",
    "compact_to_dense",
    "DecodedMolecules",
    "decode_dense",
    "quantize_atoms",
    "quantize_bonds",
    "build_mol",
    "first_valence_problem",
    "correct_valence",
    "largest_fragment",
    "canonical_smiles",
    "atomic_output",
    "write_smiles",
    "write_sdf",
    "embed_conformer",
    "draw_grid",
]
