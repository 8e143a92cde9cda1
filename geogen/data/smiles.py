"""Custom molecule data: any SMILES file or CSV column, with the atom vocabulary inferred.

Readable files: ``.smi`` / ``.txt`` (first whitespace-separated token of every non-empty line;
a header line ``smiles``/``SMILES`` is skipped), ``.csv`` (a named column, default the first
column called ``smiles`` in any case), ``.sdf`` (each record written as canonical SMILES; an
unreadable record becomes an empty, i.e. invalid, entry). Binary or undecodable files raise a
one-line :class:`GeogenError`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch

from geogen.chem.encode import encode_compact
from geogen.chem.vocabulary import AtomVocabulary
from geogen.data.molecules import MoleculeCollection, cached_collection
from geogen.errors import GeogenError

__all__ = ["read_smiles_file", "load_smiles_dataset"]


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise GeogenError(f"no such file: {path}")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise GeogenError(f"{path} looks like a binary file, not SMILES text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise GeogenError(f"{path} is not UTF-8 text (expected SMILES, CSV or SDF)") from None


def _read_csv(path: Path, column: str | None) -> list[str]:
    import csv
    import io

    reader = csv.DictReader(io.StringIO(_read_text(path)))
    fields = reader.fieldnames or []
    if column is None:
        column = next((f for f in fields if f.strip().lower() == "smiles"), None)
        if column is None:
            raise GeogenError(f"{path} has no 'smiles' column (columns: {', '.join(fields) or 'none'}); "
                              "name one with --column / data.column")
    elif column not in fields:
        raise GeogenError(f"{path} has no column '{column}' (columns: {', '.join(fields) or 'none'})")
    return [(row.get(column) or "").strip() for row in reader]


def _read_sdf(path: Path) -> list[str]:
    from rdkit import Chem, rdBase

    _read_text(path)  # rejects binary files with a clear message
    smiles = []
    with rdBase.BlockLogs():
        for mol in Chem.SDMolSupplier(str(path), sanitize=True):
            smiles.append(Chem.MolToSmiles(mol) if mol is not None else "")
    return smiles


def read_smiles_file(path: str | os.PathLike, column: str | None = None) -> list[str]:
    """SMILES strings of a ``.smi``/``.txt``/``.csv``/``.sdf`` file (see the module doc).

    Invalid SMILES are returned as they are (the caller counts them as invalid).

    Raises:
        GeogenError: missing, binary or undecodable file, or missing CSV column.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, column)
    if suffix in (".sdf", ".mol", ".sd"):
        return _read_sdf(path)
    lines = [line.split()[0] for line in _read_text(path).splitlines() if line.strip()]
    if lines and lines[0].lower() == "smiles":
        lines = lines[1:]
    return lines


def _build(path: Path, column, vocabulary, max_nodes, keep_charges, test_fraction, seed):
    from rdkit import Chem, rdBase

    smiles = read_smiles_file(path, column)
    if not smiles:
        raise GeogenError(f"{path} contains no SMILES")
    if vocabulary is None:
        with rdBase.BlockLogs():
            vocabulary = AtomVocabulary.infer((Chem.MolFromSmiles(s) for s in smiles), keep_charges)
    if len(vocabulary) == 0:
        raise GeogenError(f"{path} contains no valid SMILES")
    compact = encode_compact(smiles, vocabulary, max_nodes)
    if len(compact) == 0:
        raise GeogenError(f"no molecule of {path} could be encoded "
                          f"(first problem: {compact.failures[0].reason})")
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(compact), generator=generator)
    num_test = int(round(test_fraction * len(compact)))
    splits = {"train": order[num_test:].sort().values, "test": order[:num_test].sort().values}
    info = {"source": str(path), "molecules": len(smiles), "encoded": len(compact),
            "failures": len(compact.failures), "vocabulary_inferred": True,
            "split": f"random {1 - test_fraction:.0%}/{test_fraction:.0%}, seed {seed}"}
    return MoleculeCollection(name=f"smiles:{path.name}", vocabulary=vocabulary,
                              max_nodes=int(compact.types.shape[1]), compact=compact,
                              splits=splits, info=info)


def load_smiles_dataset(path: str | os.PathLike, column: str | None = None,
                        root: str | os.PathLike | None = None,
                        vocabulary: AtomVocabulary | None = None, max_nodes: int | None = None,
                        keep_charges: bool = False, test_fraction: float = 0.1,
                        seed: int = 0) -> MoleculeCollection:
    """A molecule collection from a user file, splits ``train``/``test`` (random, seeded).

    Args:
        path: ``.smi``/``.txt``/``.csv``/``.sdf`` file.
        column: CSV column holding SMILES (default: a column named ``smiles``).
        root: data root for the processed cache (``<root>/smiles_<stem>_<hash>/processed``).
        vocabulary: atom types; default inferred from the file (reported in ``vocabulary``).
        max_nodes: padding size; default the largest molecule.
        keep_charges: infer charged atom types (``"N+"``) instead of dropping charges.
        test_fraction: share of molecules in ``test``.
        seed: split seed.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise GeogenError(f"no such file: {path}")
    stat = path.stat()
    key = hashlib.sha1(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    settings = {"path": str(path), "column": column, "size": stat.st_size, "mtime": stat.st_mtime_ns,
                "vocabulary": None if vocabulary is None else list(vocabulary.types),
                "max_nodes": max_nodes, "keep_charges": keep_charges,
                "test_fraction": test_fraction, "seed": seed}
    return cached_collection(
        f"smiles_{path.stem}_{key}", root, settings,
        lambda: _build(path, column, vocabulary, max_nodes, keep_charges, test_fraction, seed))
