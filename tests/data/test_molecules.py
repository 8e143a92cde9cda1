"""Molecule datasets: download fallbacks, processed cache, ZINC250k format, custom files."""

import json
import os
import time

import pytest
import torch

from geogen.data import DenseGraph, load_smiles_dataset, load_zinc250k
from geogen.data.download import RemoteFile, fetch
from geogen.data.molecule_datamodule import MoleculeDataModule
from geogen.errors import GeogenError

ZINC_ROWS = ["CC(C)(C)c1ccc2occc2c1", "C[NH+]1CCC(C)CC1", "O=C(O)c1ccccc1Cl", "CCOC(=O)C1CCN(C)CC1",
             "Brc1ccccc1", "CC(=O)Nc1ccc(I)cc1", "O=[N+]([O-])c1ccc(F)cc1", "CSc1ncccn1"]


def _write_zinc(root):
    raw = root / "zinc250k" / "raw"
    raw.mkdir(parents=True)
    lines = ["smiles,logP,qed,SAS"] + [f'"{s}\n",1.0,0.5,2.0' for s in ZINC_ROWS]
    (raw / "250k_rndm_zinc_drugs_clean_3.csv").write_text("\n".join(lines) + "\n")
    (raw / "valid_idx_zinc250k.json").write_text(json.dumps([1, 6]))


def test_zinc250k_upstream_format_and_gdss_split(tmp_path):
    _write_zinc(tmp_path)
    zinc = load_zinc250k(root=tmp_path)
    assert len(zinc) == len(ZINC_ROWS) and zinc.max_nodes == 38
    assert zinc.smiles("gdss/test") == [zinc.compact.smiles[1], zinc.compact.smiles[6]]
    assert len(zinc.splits["gdss/train"]) == 6
    assert not any(s.endswith("\n") for s in zinc.compact.smiles)
    batch = zinc.dataset("gdss/train").dense([0, 1])
    assert batch.x.shape == (2, 38, 9)


def test_missing_file_error_names_file_and_url(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOGEN_DATA_MIRROR", str(tmp_path / "no_mirror"))

    def offline(*args, **kwargs):
        raise OSError("offline")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    remote = RemoteFile(name="x.csv", url="https://example.org/x.csv", mirror_path="x/x.csv")
    with pytest.raises(GeogenError, match=r"x\.csv.*https://example\.org/x\.csv"):
        fetch(remote, tmp_path / "raw")
    assert not (tmp_path / "raw" / "x.csv").exists()


def test_mirror_is_read_in_place(mirror, tmp_path):
    from geogen.data.qm9 import GDSS_QM9_TEST_INDEX

    path = fetch(GDSS_QM9_TEST_INDEX, tmp_path / "raw")
    assert path == mirror / "qm9" / "valid_idx_qm9.json"
    assert not (tmp_path / "raw").exists()


def test_custom_smiles_file_infers_vocabulary_and_caches(tmp_path):
    source = tmp_path / "mine.csv"
    source.write_text("name,SMILES\na,CCO\nb,C[NH3+]\nc,bad\nd,c1ccsc1\ne,ClCCl\n")
    data = load_smiles_dataset(source, root=tmp_path / "cache", test_fraction=0.25)
    assert data.vocabulary.types == ("C", "N", "O", "S", "Cl")
    assert len(data) == 4 and [f.smiles for f in data.compact.failures] == ["bad"]
    charged = load_smiles_dataset(source, root=tmp_path / "cache", keep_charges=True)
    assert "N+" in charged.vocabulary.types
    (folder,) = os.listdir(tmp_path / "cache")
    assert os.listdir(tmp_path / "cache" / folder / "processed") == ["molecules.pt"]


def test_settings_change_rebuilds_cache(tmp_path):
    source = tmp_path / "a.smi"
    source.write_text("CCO\nCCN\nCCC\nCO\n")
    first = load_smiles_dataset(source, root=tmp_path, test_fraction=0.5)
    second = load_smiles_dataset(source, root=tmp_path, test_fraction=0.25)
    assert len(first.splits["test"]) == 2 and len(second.splits["test"]) == 1


def test_datamodule_yields_dense_graphs(tmp_path):
    source = tmp_path / "m.smi"
    source.write_text("\n".join(["CCO", "CCN", "c1ccccc1", "CC(=O)O", "C", "CCCC"] * 3) + "\n")
    module = MoleculeDataModule(dataset=str(source), batch_size=4, root=tmp_path)
    batch = next(iter(module.train_dataloader()))
    assert isinstance(batch, DenseGraph) and batch.x.shape == (4, 6, 3)
    assert batch.adj.shape == (4, 6, 6) and batch.mask.dtype == torch.bool
    assert torch.equal(batch.x.sum(-1).bool(), batch.mask)
    assert module.node_count_distribution.sum().item() == pytest.approx(1.0)
    assert module.atom_types == ("C", "N", "O") and module.max_nodes == 6
    assert len(module.train_smiles) + len(module.test_smiles) == 18


@pytest.mark.slow
def test_qm9_splits_round_trip_and_reload_time(mirror, tmp_path_factory):
    from geogen.chem import QM9_ATOMS, decode_dense
    from geogen.data import load_qm9

    root = tmp_path_factory.mktemp("qm9")
    qm9 = load_qm9(root=root)
    sizes = {k: len(v) for k, v in qm9.splits.items()}
    assert sizes == {"gdss/train": 117917, "gdss/test": 12914, "edm/train": 100000,
                     "edm/valid": 17748, "edm/test": 13083}
    assert len(qm9.info["gdss_test_missing_gdb_idx"]) == 168
    start = time.perf_counter()
    qm9 = load_qm9(root=root)
    assert time.perf_counter() - start < 10.0  # measured ~0.7 s; generous for loaded machines
    test = qm9.dataset("gdss/test")
    graph = test.dense(range(len(test)))
    decoded = decode_dense(graph.x, graph.adj, QM9_ATOMS, graph.mask)
    mismatches = [s for s, d in zip(qm9.smiles("gdss/test"), decoded.smiles) if s != d]
    assert len(mismatches) == 40 and all("+" in s or "-" in s for s in mismatches)
