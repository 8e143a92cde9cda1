"""Acceptance: DiGress QM9 samples, our metrics vs a plain independent RDKit computation."""

import json

import pytest


@pytest.mark.slow
def test_digress_qm9_validity_uniqueness_novelty_match_plain_rdkit(mirror, shared_reference):
    import pandas as pd
    from rdkit import Chem, rdBase

    from geogen.metrics import evaluate_molecules

    samples = (shared_reference / "digress_samples" / "final_smiles_qm9_noH.txt").read_text().split("\n")
    samples = [s for s in samples if s.strip()]
    table = pd.read_csv(mirror / "qm9" / "qm9_qm9pack_slim.csv.gz", usecols=["gdb_idx", "SMILES1"])
    test_gdb = {int(i) + 1 for i in json.loads((mirror / "qm9" / "valid_idx_qm9.json").read_text())["valid_idxs"]}
    with rdBase.BlockLogs():
        train = {Chem.MolToSmiles(Chem.MolFromSmiles(s))
                 for g, s in zip(table.gdb_idx, table.SMILES1) if g not in test_gdb}
        mols = [Chem.MolFromSmiles(s) for s in samples]
    valid = [Chem.MolToSmiles(m) for m in mols if m is not None]
    plain = {"validity": len(valid) / len(samples), "uniqueness": len(set(valid)) / len(valid),
             "novelty": len(set(valid) - train) / len(set(valid))}
    ours = evaluate_molecules(samples, "qm9", metrics=("validity", "uniqueness", "novelty"))
    for key, value in plain.items():
        assert round(ours[key], 4) == round(value, 4), key
