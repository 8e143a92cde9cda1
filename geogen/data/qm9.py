"""QM9 (2D heavy-atom graphs) with the GDSS and EDM/Cormorant splits.

Source of the 130,831 characterised molecules (the 3,054 "uncharacterized" ones excluded), in
this order of preference:

1. the CSV files of the installed PyPI package ``qm9pack`` (``qm9pack/data/qm9_part{1,2,3}.csv``,
   found through ``importlib``: ``import qm9pack`` itself fails on current setuptools);
2. the local mirror's ``qm9/qm9_qm9pack_slim.csv.gz`` (a column subset of the same files);
3. a download of the ``qm9pack==1.0.3`` wheel from PyPI (:data:`QM9PACK_WHEEL`).

Splits (row indices into the collection):

- ``gdss/test``: GDSS/MoFlow's ``valid_idx_qm9.json``; entry ``r`` (a 0-based row of MoFlow's
  133,885-row ``qm9.csv``) is the molecule with ``gdb_idx = r + 1``. 168 of its 13,082 indices
  are uncharacterised molecules absent from the 130,831-molecule set: they are reported in
  ``info["gdss_test_missing_gdb_idx"]``, not silently dropped. ``gdss/train`` is every other
  molecule (117,917 here; GDSS's own train set also holds the 2,886 absent non-test ones).
- ``edm/train``, ``edm/valid``, ``edm/test``: the Cormorant split EDM uses: the included
  molecules sorted by ``gdb_idx`` are permuted with NumPy's legacy ``np.random.seed(0);
  np.random.permutation(130831)``; the first 100,000 are train, the next 17,748 valid and the
  last 13,083 (= int(0.1 * 130,831)) test.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import torch

from geogen.chem.encode import encode_compact
from geogen.chem.vocabulary import QM9_ATOMS, AtomVocabulary
from geogen.data.download import RemoteFile, fetch, locate
from geogen.data.molecules import MoleculeCollection, cached_collection, dataset_dir

__all__ = ["load_qm9", "qm9_table", "qm9pack_csv_files", "QM9PACK_WHEEL", "GDSS_QM9_TEST_INDEX",
           "QM9_SIZE", "edm_split"]

QM9_SIZE = 130_831
QM9PACK_WHEEL = RemoteFile(
    name="qm9pack-1.0.3-py3-none-any.whl",
    url="https://files.pythonhosted.org/packages/py3/q/qm9pack/qm9pack-1.0.3-py3-none-any.whl",
    sha256="1d88c2988007c6778e717ee3224cf511bd60e10732ebe3b7ed500ea5af05c9f0",
)
QM9_SLIM = RemoteFile(name="qm9_qm9pack_slim.csv.gz", url="(derived from the qm9pack wheel; "
                      "mirror only)", mirror_path="qm9/qm9_qm9pack_slim.csv.gz")
GDSS_QM9_TEST_INDEX = RemoteFile(
    name="valid_idx_qm9.json",
    url="https://raw.githubusercontent.com/harryjo97/GDSS/master/data/valid_idx_qm9.json",
    sha256="889fd232a33d8a2c00f057c807b119e72abd5baa48f6fab93e8d8b7a79340f4d",
    mirror_path="qm9/valid_idx_qm9.json",
)


def qm9pack_csv_files() -> list[Path] | None:
    """The installed ``qm9pack`` CSV parts, or None when the package is not installed."""
    spec = importlib.util.find_spec("qm9pack")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "data"
    files = [folder / f"qm9_part{k}.csv" for k in (1, 2, 3)]
    return files if all(f.is_file() for f in files) else None


def _read_parts(handles, columns: list[str]):
    import pandas as pd

    frames = [pd.read_csv(h, usecols=columns) for h in handles]
    return pd.concat(frames, ignore_index=True)


def qm9_table(root: str | os.PathLike | None = None, with_geometry: bool = False):
    """QM9 as a DataFrame sorted by ``gdb_idx`` with columns ``gdb_idx, smiles``
    (+ ``elements, xyz`` JSON-like strings when ``with_geometry``), and the source's name."""
    import pandas as pd

    columns = ["Index", "SMILES"] + (["Elements", "XYZ_Ang"] if with_geometry else [])
    files = qm9pack_csv_files()
    raw_dir = dataset_dir("qm9", root) / "raw"
    if files is not None:
        table, source = _read_parts(files, columns), "qm9pack (installed)"
    elif not with_geometry and locate(QM9_SLIM, raw_dir) is not None:
        table = pd.read_csv(locate(QM9_SLIM, raw_dir), usecols=["gdb_idx", "SMILES1"])
        table = table.rename(columns={"gdb_idx": "Index", "SMILES1": "SMILES"})
        source = f"mirror ({QM9_SLIM.mirror_path})"
    else:
        wheel = fetch(QM9PACK_WHEEL, raw_dir)
        with zipfile.ZipFile(wheel) as archive:
            handles = [archive.open(f"qm9pack/data/qm9_part{k}.csv") for k in (1, 2, 3)]
            table, source = _read_parts(handles, columns), f"qm9pack wheel ({wheel})"
    table = table.rename(columns={"Index": "gdb_idx", "SMILES": "smiles", "Elements": "elements",
                                  "XYZ_Ang": "xyz"})
    return table.sort_values("gdb_idx").reset_index(drop=True), source


def edm_split(num_molecules: int = QM9_SIZE) -> dict[str, np.ndarray]:
    """Cormorant/EDM split positions into the ``gdb_idx``-sorted included molecules."""
    permutation = np.random.RandomState(0).permutation(num_molecules)
    num_train, num_test = 100_000, int(0.1 * num_molecules)
    num_valid = num_molecules - num_train - num_test
    return {"train": permutation[:num_train],
            "valid": permutation[num_train:num_train + num_valid],
            "test": permutation[num_train + num_valid:]}


def _gdss_test_gdb_idx(root) -> list[int]:
    path = fetch(GDSS_QM9_TEST_INDEX, dataset_dir("qm9", root) / "raw")
    return [int(i) + 1 for i in json.loads(Path(path).read_text())["valid_idxs"]]


def _build(root, vocabulary: AtomVocabulary, max_nodes: int) -> MoleculeCollection:
    table, source = qm9_table(root)
    compact = encode_compact(table["smiles"].tolist(), vocabulary, max_nodes)
    gdb = table["gdb_idx"].to_numpy()[compact.indices]  # gdb_idx of each encoded row
    row_of = {int(g): r for r, g in enumerate(gdb)}
    test_gdb = _gdss_test_gdb_idx(root)
    test_rows = sorted(row_of[g] for g in test_gdb if g in row_of)
    missing = sorted(g for g in test_gdb if g not in row_of)
    is_test = torch.zeros(len(compact), dtype=torch.bool)
    is_test[test_rows] = True
    splits = {"gdss/train": (~is_test).nonzero().flatten(), "gdss/test": torch.tensor(test_rows)}
    if len(compact) == len(table) == QM9_SIZE:
        for name, positions in edm_split(len(table)).items():
            splits[f"edm/{name}"] = torch.as_tensor(np.sort(positions), dtype=torch.long)
    info = {"source": source, "molecules": len(table), "encoded": len(compact),
            "gdss_test_indices": len(test_gdb), "gdss_test_missing_gdb_idx": missing,
            "charged_molecules": sum(bool(re.search(r"[+-]\d*\]", s)) for s in compact.smiles),
            "gdb_idx": torch.as_tensor(gdb, dtype=torch.long)}
    return MoleculeCollection(name="qm9", vocabulary=vocabulary, max_nodes=max_nodes,
                              compact=compact, splits=splits, info=info)


def load_qm9(root: str | os.PathLike | None = None, vocabulary: AtomVocabulary = QM9_ATOMS,
             max_nodes: int = 9) -> MoleculeCollection:
    """QM9 heavy-atom graphs (kekulized, charges dropped in GDSS mode) with GDSS and EDM splits.

    Args:
        root: data root (processed cache under ``<root>/qm9/processed``).
        vocabulary: atom types (default GDSS's C, N, O, F; a vocabulary with charged types keeps
            charges as atom types).
        max_nodes: padding size (9 heavy atoms in QM9).

    Returns:
        :class:`MoleculeCollection` with splits ``gdss/train``, ``gdss/test``, ``edm/train``,
        ``edm/valid``, ``edm/test``.
    """
    settings = {"vocabulary": list(vocabulary.types), "max_nodes": max_nodes, "splits": "gdss+edm/2"}
    return cached_collection("qm9", root, settings, lambda: _build(root, vocabulary, max_nodes),
                             file_name=f"qm9_{'_'.join(vocabulary.types)}_{max_nodes}.pt")
