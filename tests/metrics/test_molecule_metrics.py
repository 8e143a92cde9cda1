"""Molecule metrics against hand-computed values and the reference packages (fcd, eden)."""

import math

import numpy as np
import pytest
import torch

from geogen.metrics import (MoleculeReference, evaluate_molecules, fcd_score, mols_to_nx,
                            nspdk_against, nspdk_mmd)

GEN = ["CCO", "CCO", "OCC", "c1ccccc1", "not_smiles", "", "CC(=O)O", "C[Xx]", "CN"]
TRAIN = ["CCO", "CN", "CCC"]
TEST = ["CCN", "c1ccncc1", "CC(C)O", "C=CC", "OCCO", "CC#N", "NC=O", "COC"]


def _mols(smiles):
    from rdkit import Chem

    return [Chem.MolFromSmiles(s) for s in smiles]


def test_validity_uniqueness_novelty_follow_moses_definitions(tmp_path):
    reference = MoleculeReference("inline", TRAIN, TEST, cache_dir=tmp_path)
    result = evaluate_molecules(GEN, reference, metrics=("validity", "uniqueness", "novelty"),
                                valid_without_correction=[True] * 8 + [False])
    # valid: CCO, CCO, OCC(=CCO), benzene, acetic acid, CN -> 6 of 9
    assert result["validity"] == pytest.approx(6 / 9)
    assert result["uniqueness"] == pytest.approx(4 / 6)  # CCO, benzene, CC(=O)O, CN
    assert result["novelty"] == pytest.approx(2 / 4)  # benzene and acetic acid are new
    assert result["validity_without_correction"] == pytest.approx(8 / 9)


def test_fcd_equals_fcd_package(tmp_path):
    import fcd

    gen = ["CCO", "CCN", "c1ccccc1", "CC(=O)O", "CCCC", "OCCO", "CC#N", "C1CC1"]
    from geogen.metrics.fcd import chemnet_activations

    expected = fcd.get_fcd(gen, TEST, device="cpu")
    reference = MoleculeReference("inline", TRAIN, TEST, cache_dir=tmp_path)
    assert evaluate_molecules(gen, reference, metrics=("fcd",))["fcd"] == pytest.approx(
        expected, rel=1e-9, abs=1e-9)
    cached = torch.load(next(tmp_path.glob("fcd_*.pt")), weights_only=True)
    activations = fcd.get_predictions(fcd.load_ref_model(), TEST, device="cpu")
    assert np.array_equal(chemnet_activations(TEST), activations)
    assert np.allclose(cached["mu"].numpy(), activations.mean(axis=0), rtol=0, atol=1e-7)
    assert math.isnan(fcd_score(gen[:1], TEST))


def test_nspdk_equals_direct_eden_computation(tmp_path):
    from eden.graph import vectorize
    from sklearn.metrics.pairwise import pairwise_kernels

    gen_graphs, ref_graphs = mols_to_nx(_mols(GEN[:4] + ["CC(=O)O"])), mols_to_nx(_mols(TEST))
    x = vectorize(gen_graphs, complexity=4, discrete=True)
    y = vectorize(ref_graphs, complexity=4, discrete=True)
    direct = (pairwise_kernels(x, metric="linear").mean() + pairwise_kernels(y, metric="linear").mean()
              - 2 * pairwise_kernels(x, y, metric="linear").mean())
    assert nspdk_mmd(gen_graphs, ref_graphs) == pytest.approx(direct, rel=1e-9, abs=1e-12)
    reference = MoleculeReference("inline", TRAIN, TEST, cache_dir=tmp_path)
    assert nspdk_against(_mols(GEN[:4] + ["CC(=O)O"]), reference) == pytest.approx(direct, rel=1e-9)
    assert nspdk_mmd(ref_graphs, ref_graphs) == pytest.approx(0.0, abs=1e-12)


def test_aromatic_bonds_are_labelled_one():
    graph = mols_to_nx(_mols(["c1ccccc1"]))[0]
    assert {d["label"] for _, _, d in graph.edges(data=True)} == {1}
    assert {d["label"] for _, d in graph.nodes(data=True)} == {6}
    assert {d["label"] for _, d in mols_to_nx(_mols(["CO"]), symbol_labels=True)[0].nodes(data=True)} == {"C", "O"}


def test_nspdk_features_are_reproducible_across_processes():
    import subprocess
    import sys

    code = ("from rdkit import Chem; from geogen.metrics.nspdk import mols_to_nx, nspdk_mean_features;"
            "i, v = nspdk_mean_features(mols_to_nx([Chem.MolFromSmiles('CC(=O)N')])); print(list(i[:6]))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert len(runs) == 1


def test_moses_metrics_identities():
    from geogen.metrics.moses import moses_metrics

    smiles = ["c1ccc2ccccc2c1", "CCOc1ccccc1C(=O)NC", "c1ccc(-c2ccncc2)cc1", "CCN(CC)CC"]
    same = moses_metrics(smiles, smiles)
    assert same["snn"] == pytest.approx(1.0) and same["frag"] == pytest.approx(1.0)
    assert same["scaf"] == pytest.approx(1.0)
    assert 0 < same["int_div1"] < 1 and 0 < same["int_div2"] < 1
    assert moses_metrics(["C[N+](C)(C)C"], smiles)["filters"] == 0.0  # charged atom


def test_all_fractions_in_unit_interval(tmp_path):
    reference = MoleculeReference("inline", TRAIN, TEST, cache_dir=tmp_path)
    result = evaluate_molecules(GEN, reference, metrics=("validity", "uniqueness", "novelty",
                                                         "moses", "properties"))
    for key in ("validity", "uniqueness", "novelty", "snn", "frag", "int_div1", "filters", "qed_mean"):
        assert 0.0 <= result[key] <= 1.0 or math.isnan(result[key]), key


def test_stability_of_water_and_broken_methane():
    from geogen.metrics.molecules_3d import bond_orders_from_distances, stability

    water = torch.tensor([[0.0, 0.0, 0.0], [0.96, 0.0, 0.0], [-0.24, 0.93, 0.0]])
    z = torch.tensor([8, 1, 1])
    assert bond_orders_from_distances(z, water).sum(dim=1).tolist() == [2, 1, 1]
    far_h = torch.cat([water, torch.tensor([[5.0, 5.0, 5.0]])])
    result = stability(torch.tensor([8, 1, 1, 1]), far_h, torch.tensor([0, 0, 0, 1]))
    assert result == {"atom_stability": 0.75, "molecule_stability": 0.5}
    ethyne = torch.tensor([[0.0, 0.0, 0.0], [1.20, 0.0, 0.0], [-1.06, 0, 0], [2.26, 0, 0]])
    orders = bond_orders_from_distances(torch.tensor([6, 6, 1, 1]), ethyne)
    assert orders[0, 1] == 3 and np.all(orders.sum(1).numpy() == [4, 4, 1, 1])
