"""`geogen train` with a GDSS experiment: a run stopped mid-epoch resumes to the same final step."""

import torch

from geogen.cli.main import main

BASE = [
    "experiment=gdss_community_small",
    "task.trainer.max_epochs=2",
    "+task.trainer.limit_val_batches=1",
    "task.trainer.check_val_every_n_epoch=1",
    "+task.trainer.enable_progress_bar=false",
    "task.checkpoint_every_n_steps=1",
    "task.datamodule.batch_size=8",
    "task.method.denoiser.x_network.depth=1",
    "task.method.denoiser.adj_network.num_layers=2",
]
TINY = [*BASE, "+task.trainer.limit_train_batches=3"]


def _final_step(run_dir) -> int:
    checkpoint = torch.load(run_dir / "checkpoints" / "last.ckpt", map_location="cpu",
                            weights_only=False)
    return int(checkpoint["global_step"])


def test_interrupted_run_resumes_to_the_same_step(tmp_path, mirror):
    full, cut = tmp_path / "full", tmp_path / "cut"
    assert main(["train", *TINY, f"hydra.run.dir={full}"]) == 0
    # stop after 4 optimiser steps: in the middle of the second epoch (3 batches per epoch)
    assert main(["train", *TINY, "task.trainer.max_steps=4", f"hydra.run.dir={cut}"]) == 0
    assert _final_step(cut) == 4
    assert main(["train", *TINY, f"hydra.run.dir={cut}", "ckpt_path=last"]) == 0
    assert _final_step(cut) == _final_step(full) == 6
    checkpoint = torch.load(cut / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False)
    assert checkpoint["geogen"]["method_config"]["_target_"] == "geogen.methods.gdss.GDSS"
    assert "ema_state_dict" in checkpoint


def test_resume_from_missing_checkpoint_is_one_clear_error(tmp_path, capsys, mirror):
    code = main(["train", *TINY, f"hydra.run.dir={tmp_path}", f"ckpt_path={tmp_path}/nope.ckpt"])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def test_trainer_settings_reach_ddp(tmp_path, mirror):
    """`task.trainer.devices/strategy` reach Lightning's DDP (two CPU processes, gloo)."""
    run = tmp_path / "ddp"
    assert main(["train", *BASE, "task.trainer.max_epochs=1", "+task.trainer.devices=2",
                 "+task.trainer.strategy=ddp_spawn", f"hydra.run.dir={run}"]) == 0
    # 80 training graphs, batch 8: 10 steps in one process, 5 per process when split over two
    assert _final_step(run) == 5
