"""The embedded default model: `geogen sample` without a checkpoint generates QM9-like molecules."""

import json

from geogen.cli.main import main
from geogen.methods.checkpointing import load_method
from geogen.methods.default_model import default_checkpoint


def test_embedded_model_is_a_small_gdss_with_a_few_step_sampler():
    method = load_method(default_checkpoint())
    assert type(method).__name__ == "GDSS"
    assert sum(p.numel() for p in method.parameters()) < 200_000
    assert method.output.vocabulary.types == ("C", "N", "O", "F")
    assert abs(float(method.node_count_probs.sum()) - 1.0) < 1e-5


def test_sample_without_checkpoint_writes_molecules(tmp_path):
    out = tmp_path / "molecules.smi"
    assert main(["sample", "-n", "32", "--out", str(out), "--seed", "1"]) == 0
    lines = out.read_text().split()
    assert len(lines) == 32
    summary = json.loads((tmp_path / "molecules.smi.json").read_text())
    assert summary["num_samples"] == 32 and summary["nfe"] == 50
    # a trained model, not noise: most samples are valid before any correction
    assert summary["validity_wo_correction"] >= 0.7


def test_sample_device_flag(tmp_path, capsys):
    """--device cpu gives the default's molecules; an unknown or absent device is one clear error."""
    import torch

    default, explicit = tmp_path / "a.smi", tmp_path / "b.smi"
    assert main(["sample", "-n", "8", "--out", str(default), "--seed", "2"]) == 0
    assert main(["sample", "-n", "8", "--out", str(explicit), "--seed", "2", "--device", "cpu"]) == 0
    assert default.read_text() == explicit.read_text()
    bad = ["sample", "-n", "8", "--out", str(tmp_path / "c.smi"), "--device"]
    assert main([*bad, "tpu:x"]) == 2
    assert "unknown device 'tpu:x'" in capsys.readouterr().err
    if not torch.cuda.is_available():
        assert main([*bad, "cuda"]) == 2
        assert "no CUDA device" in capsys.readouterr().err
    assert not (tmp_path / "c.smi").exists()
