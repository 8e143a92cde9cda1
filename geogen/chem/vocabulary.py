"""Atom vocabularies: which atom type each one-hot column of ``x`` stands for.

A type is an element symbol, optionally with a formal charge suffix (``"N+"``, ``"O-"``,
``"N+2"``). A vocabulary without charged types is *GDSS-compatible*: encoding drops formal
charges (as GDSS/MoFlow preprocessing does) and decoding re-creates ``[N+]``/``[O+]``/``[S+]``
from valences. A vocabulary with charged types keeps charges as atom types instead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["AtomVocabulary", "QM9_ATOMS", "ZINC250K_ATOMS", "parse_atom_type", "atom_type_of"]

_TYPE_PATTERN = re.compile(r"^([A-Z][a-z]?)([+-]\d*)?$")


def parse_atom_type(token: str) -> tuple[str, int]:
    """Split ``"N+"`` into ``("N", 1)``, ``"O-"`` into ``("O", -1)``, ``"C"`` into ``("C", 0)``."""
    match = _TYPE_PATTERN.match(token)
    if match is None:
        raise ValueError(f"not an atom type: {token!r} (expected e.g. 'C', 'N+', 'O-', 'Fe+2')")
    symbol, charge = match.group(1), match.group(2)
    if not charge:
        return symbol, 0
    sign = 1 if charge[0] == "+" else -1
    return symbol, sign * (int(charge[1:]) if len(charge) > 1 else 1)


def format_atom_type(symbol: str, charge: int) -> str:
    """Inverse of :func:`parse_atom_type`."""
    if charge == 0:
        return symbol
    sign = "+" if charge > 0 else "-"
    return symbol + sign + (str(abs(charge)) if abs(charge) > 1 else "")


def atom_type_of(atom, keep_charges: bool) -> str:
    """The type token of an RDKit atom (charge dropped unless ``keep_charges``)."""
    charge = atom.GetFormalCharge() if keep_charges else 0
    return format_atom_type(atom.GetSymbol(), charge)


@dataclass(frozen=True)
class AtomVocabulary:
    """An ordered tuple of atom types; column ``i`` of the one-hot ``x`` is ``types[i]``.

    Args:
        types: atom type tokens, e.g. ``("C", "N", "O", "F")`` or ``("C", "N", "N+", "O", "O-")``.
    """

    types: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "types", tuple(self.types))
        for token in self.types:
            parse_atom_type(token)
        if len(set(self.types)) != len(self.types):
            raise ValueError(f"duplicate atom types in {self.types}")

    def __len__(self) -> int:
        return len(self.types)

    @property
    def keeps_charges(self) -> bool:
        """True when some type carries a formal charge (non-GDSS mode)."""
        return any(parse_atom_type(t)[1] != 0 for t in self.types)

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(parse_atom_type(t)[0] for t in self.types)

    @property
    def charges(self) -> tuple[int, ...]:
        return tuple(parse_atom_type(t)[1] for t in self.types)

    def index(self, token: str) -> int | None:
        """Column of a type token, or None when the vocabulary lacks it."""
        try:
            return self.types.index(token)
        except ValueError:
            return None

    @classmethod
    def infer(cls, mols: Iterable, keep_charges: bool = False) -> "AtomVocabulary":
        """The vocabulary of the heavy atoms in ``mols`` (RDKit Mols; None entries skipped).

        Types are ordered by atomic number, then charge, so the order does not depend on the
        order of the molecules.
        """
        from rdkit import Chem

        table = Chem.GetPeriodicTable()
        seen: Counter[str] = Counter()
        for mol in mols:
            if mol is None:
                continue
            for atom in mol.GetAtoms():
                seen[atom_type_of(atom, keep_charges)] += 1

        def order(token: str) -> tuple[int, int]:
            symbol, charge = parse_atom_type(token)
            return table.GetAtomicNumber(symbol), charge

        return cls(types=tuple(sorted(seen, key=order)))

    def describe(self) -> str:
        return ", ".join(self.types)


def _preset(types: Sequence[str]) -> AtomVocabulary:
    return AtomVocabulary(types=tuple(types))


QM9_ATOMS = _preset(("C", "N", "O", "F"))
"""GDSS's QM9 vocabulary (charges dropped, 9 heavy atoms at most)."""

ZINC250K_ATOMS = _preset(("C", "N", "O", "F", "P", "S", "Cl", "Br", "I"))
"""GDSS's ZINC250k vocabulary (charges dropped, 38 heavy atoms at most)."""
