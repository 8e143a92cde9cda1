"""geogen.chem: GDSS-format encoding, GDSS decoding rules, valency correction, writers."""

import os

import pytest
import torch

from geogen.chem import (QM9_ATOMS, AtomVocabulary, canonical_smiles, decode_dense, encode_compact,
                         encode_smiles, quantize_atoms, quantize_bonds, write_sdf, write_smiles)

SMILES = ["CCO", "c1ccoc1", "C#N", "CC(=O)N", "FC(F)F", "O=C1CC1"]


def test_round_trip_gdss_vocabulary():
    dense = encode_smiles(SMILES, QM9_ATOMS, max_nodes=9)
    assert dense.x.shape == (6, 9, 4) and dense.adj.shape == (6, 9, 9)
    assert set(dense.adj.unique().tolist()) <= {0.0, 1.0, 2.0, 3.0}  # kekulized: no 1.5
    assert torch.equal(dense.adj, dense.adj.transpose(1, 2))
    decoded = decode_dense(dense.x, dense.adj, QM9_ATOMS, dense.mask)
    assert decoded.smiles == [canonical_smiles(s) for s in SMILES]
    assert decoded.valid_without_correction == [True] * 6


def test_failures_are_reported_not_raised():
    dense = encode_smiles(["CCO", "xx", "CCl", "CCCCCCCCCC"], QM9_ATOMS, max_nodes=9)
    assert dense.indices == [0]
    reasons = {f.index: f.reason for f in dense.failures}
    assert "invalid" in reasons[1] and "Cl" in reasons[2] and "max_nodes" in reasons[3]


def test_charges_dropped_in_gdss_mode_kept_as_types_otherwise():
    zwitterion = "[NH3+]CC(=O)[O-]"
    gdss = encode_smiles([zwitterion], QM9_ATOMS)
    assert decode_dense(gdss.x, gdss.adj, QM9_ATOMS, gdss.mask).smiles == ["NCC(=O)O"]
    charged = AtomVocabulary(types=("C", "N", "N+", "O", "O-"))
    dense = encode_smiles([zwitterion, "CCO"], charged)
    assert decode_dense(dense.x, dense.adj, charged, dense.mask).smiles == [
        canonical_smiles(zwitterion), "CCO"]


def test_vocabulary_inference_orders_by_atomic_number():
    from rdkit import Chem

    vocabulary = AtomVocabulary.infer([Chem.MolFromSmiles(s) for s in ["ClCO", "C[N+](C)(C)C"]],
                                      keep_charges=True)
    assert vocabulary.types == ("C", "N+", "O", "Cl")


def test_thresholds_follow_gdss():
    adj = torch.tensor([[[0.0, 0.49, 0.5, 1.49], [0.49, 0, 1.5, 2.49], [0.5, 1.5, 0, 2.5],
                         [1.49, 2.49, 2.5, 0]]])
    assert quantize_bonds(adj)[0].tolist() == [[0, 0, 1, 1], [0, 0, 2, 2], [1, 2, 0, 3], [1, 2, 3, 0]]
    x = torch.tensor([[[0.4, 0.3, 0.0, 0.0], [0.6, 0.9, 0.0, 0.0], [0.1, 0.7, 0.0, 0.0],
                       [0.0, 0.0, 0.0, 0.51]]])
    # type = first feature above 0.5 (GDSS's argmax over [binarised, 1 - sum]), not the largest
    assert quantize_atoms(x)[0].tolist() == [-1, 0, 1, 3]
    mask = torch.tensor([[True, True, False, True]])
    assert quantize_atoms(x, mask)[0].tolist() == [-1, 0, -1, 3]


def _graph(types, bonds, n=9):
    x = torch.zeros(1, n, 4)
    for i, t in enumerate(types):
        x[0, i, t] = 1.0
    adj = torch.zeros(1, n, n)
    for i, j, order in bonds:
        adj[0, i, j] = adj[0, j, i] = order
    return x, adj


def test_ammonium_gets_positive_charge_and_counts_as_valid():
    x, adj = _graph([1, 0, 0, 0, 0], [(0, 1, 1), (0, 2, 1), (0, 3, 1), (0, 4, 1)])
    decoded = decode_dense(x, adj, QM9_ATOMS)
    assert decoded.smiles == ["C[N+](C)(C)C"] and decoded.valid_without_correction == [True]


def test_valency_correction_lowers_strongest_bond():
    # carbon 0 has valence 5 (triple + double): invalid before correction
    x, adj = _graph([0, 0, 0], [(0, 1, 3), (0, 2, 2)])
    decoded = decode_dense(x, adj, QM9_ATOMS)
    assert decoded.valid_without_correction == [False]
    assert decoded.smiles == ["C=C=C"]  # triple lowered to double
    assert decode_dense(x, adj, QM9_ATOMS, correct=False).smiles == [None]


def test_largest_fragment_is_kept():
    x, adj = _graph([0, 0, 0, 2, 2], [(0, 1, 1), (1, 2, 1), (3, 4, 1)])
    assert decode_dense(x, adj, QM9_ATOMS).smiles == ["CCC"]
    assert decode_dense(x, adj, QM9_ATOMS, largest_fragment_only=False).smiles == ["CCC.OO"]


def test_empty_graph_decodes_to_none():
    decoded = decode_dense(torch.zeros(2, 9, 4), torch.zeros(2, 9, 9), QM9_ATOMS)
    assert decoded.smiles == [None, None] and decoded.validity == 0.0


def test_compact_storage_matches_dense():
    compact = encode_compact(SMILES, QM9_ATOMS, max_nodes=9)
    x, adj, mask = compact.dense(torch.tensor([4, 0]), num_types=4)
    single = encode_smiles([SMILES[4], SMILES[0]], QM9_ATOMS, max_nodes=9)
    assert torch.equal(x, single.x) and torch.equal(adj, single.adj) and torch.equal(mask, single.mask)


def test_writers_leave_no_partial_file(tmp_path):
    from rdkit import Chem

    class Broken:
        pass

    target = tmp_path / "out.sdf"
    with pytest.raises(Exception):
        write_sdf([Chem.MolFromSmiles("CCO"), Broken()], target)
    assert os.listdir(tmp_path) == []
    assert write_sdf([Chem.MolFromSmiles("CCO"), None], target, conformers=True) == 1
    text = target.read_text()
    assert text.count("$$$$") == 1 and "H" in text
    write_smiles(["CCO", None], tmp_path / "s.smi")
    assert (tmp_path / "s.smi").read_text() == "CCO\n\n"
