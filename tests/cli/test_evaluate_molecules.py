"""`geogen evaluate molecules` and `geogen data`: clear messages on garbage, never partial output."""

import json
import os

import pytest

from geogen.cli.main import main

REFERENCE = ["CCN", "c1ccncc1", "CC(C)O", "C=CC", "OCCO", "CC#N", "NC=O", "COC"]
BASIC = "validity,uniqueness,novelty"


@pytest.fixture()
def reference(tmp_path):
    path = tmp_path / "ref.smi"
    path.write_text("\n".join(REFERENCE) + "\n")
    return str(path)


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_invalid_and_unknown_lines_count_as_invalid(tmp_path, capsys, reference):
    samples = tmp_path / "s.smi"
    samples.write_text("CCO\nnot_a_smiles\nC[Xx]C\nCCN\n\nc1ccccc1\n")
    out = tmp_path / "m.json"
    code, stdout, _ = _run(capsys, "evaluate", "molecules", "--samples", str(samples),
                           "--reference", reference, "--out", str(out), "--metrics", BASIC)
    assert code == 0 and "validity" in stdout
    result = json.loads(out.read_text())
    assert result["validity"] == pytest.approx(3 / 5)
    assert result["novelty"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("content, message", [
    (b"", "contains no samples"),
    (b"\x00\x01\x02binary\xff\xfe", "binary"),
    (b"\xff\xfe\xfa not utf8", "not UTF-8"),
])
def test_garbage_files_give_one_line_errors(tmp_path, capsys, reference, content, message):
    samples = tmp_path / "s.smi"
    samples.write_bytes(content)
    out = tmp_path / "m.json"
    code, _, err = _run(capsys, "evaluate", "molecules", "--samples", str(samples),
                        "--reference", reference, "--out", str(out), "--metrics", BASIC)
    assert code == 2 and message in err and "Traceback" not in err
    assert err.strip().count("\n") == 0
    assert sorted(os.listdir(tmp_path)) == ["ref.smi", "s.smi"]  # no partial output


def test_missing_csv_column_and_unknown_metric(tmp_path, capsys, reference):
    samples = tmp_path / "s.csv"
    samples.write_text("name,value\na,1\n")
    code, _, err = _run(capsys, "evaluate", "molecules", "--samples", str(samples),
                        "--reference", reference, "--metrics", BASIC)
    assert code == 2 and "smiles" in err
    samples.write_text("SMILES\nCCO\n")
    code, _, err = _run(capsys, "evaluate", "molecules", "--samples", str(samples),
                        "--reference", reference, "--metrics", "validity,magic")
    assert code == 2 and "magic" in err


def test_all_invalid_samples_still_give_a_result(tmp_path, capsys, reference):
    samples = tmp_path / "s.txt"
    samples.write_text("xx\nyy\n")
    out = tmp_path / "m.json"
    code, stdout, _ = _run(capsys, "evaluate", "molecules", "--samples", str(samples),
                           "--reference", reference, "--out", str(out))
    result = json.loads(out.read_text())
    assert code == 0 and result["validity"] == 0.0
    assert result["uniqueness"] is None and result["fcd"] is None and result["nspdk"] is None


def test_sdf_samples_and_fcd_nspdk(tmp_path, capsys, reference):
    from rdkit import Chem

    from geogen.chem import write_sdf

    samples = tmp_path / "s.sdf"
    write_sdf([Chem.MolFromSmiles(s) for s in ["CCO", "CCN", "c1ccccc1", "CC=O"]], samples)
    out = tmp_path / "m.json"
    code, _, _ = _run(capsys, "evaluate", "molecules", "--samples", str(samples),
                      "--reference", reference, "--out", str(out), "--metrics",
                      "validity,uniqueness,novelty,nspdk")
    result = json.loads(out.read_text())
    assert code == 0 and result["validity"] == 1.0 and result["novelty"] == 0.75
    assert 0.0 < result["nspdk"] < 1.0


def test_graph_samples_that_are_not_graph_pickles(tmp_path, capsys):
    samples = tmp_path / "g.pkl"
    samples.write_bytes(b"not a pickle")
    code, _, err = _run(capsys, "evaluate", "graphs", "--samples", str(samples),
                        "--reference", "community_small")
    assert code == 2 and ("pickle" in err or "not available" in err)


def test_data_list_and_info_of_custom_file(tmp_path, capsys):
    code, stdout, _ = _run(capsys, "data", "list")
    assert code == 0 and "qm9" in stdout and "zinc250k" in stdout
    source = tmp_path / "m.smi"
    source.write_text("CCO\nCCCl\nbad\n")
    code, stdout, _ = _run(capsys, "data", "info", str(source), "--root", str(tmp_path / "c"))
    assert code == 0 and "C, O, Cl" in stdout and "bad" in stdout
    code, _, err = _run(capsys, "data", "info", "no_such_dataset")
    assert code == 2 and "unknown molecule dataset" in err
