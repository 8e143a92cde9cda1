"""Train a model from a Hydra experiment config.

Examples:
  geogen train experiment=gdss_qm9
  geogen train experiment=nsd_texas hydra.run.dir=runs/texas
  geogen train experiment=gdss_qm9 trainer.max_epochs=10 trainer.devices=2 trainer.strategy=ddp
  geogen train experiment=gdss_qm9 ckpt_path=runs/qm9/checkpoints/last.ckpt   (resume)

Overrides use Hydra's syntax (key=value, +new_key=value). The run directory holds the
resolved config.yaml, checkpoints and logs.
"""

from __future__ import annotations

import argparse
import inspect
from datetime import datetime
from pathlib import Path

from geogen.errors import GeogenError

HELP = "train a model: geogen train experiment=NAME [key=value ...]"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                        help="Hydra overrides; experiment=NAME is required")


def _run_dir(cfg) -> Path:
    from omegaconf import OmegaConf, open_dict

    configured = OmegaConf.select(cfg, "hydra.run.dir", default=None)
    if configured and "${" not in str(configured):
        return Path(configured)
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    return Path("outputs") / str(cfg.experiment_name) / stamp


def run(args: argparse.Namespace) -> int:
    from hydra.utils import instantiate
    from omegaconf import OmegaConf, open_dict

    from geogen.cli.config import available_experiments, compose_config

    for override in args.overrides:
        if "=" not in override:
            raise GeogenError(f"override '{override}' is not of the form key=value")
    cfg = compose_config("train", args.overrides)
    if OmegaConf.select(cfg, "task") is None:
        raise GeogenError("choose an experiment: geogen train experiment=NAME; available: "
                          + ", ".join(available_experiments()))
    run_dir = _run_dir(cfg)
    with open_dict(cfg):
        del cfg["hydra"]
    run_dir.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(cfg, run_dir / "config.yaml", resolve=True)
    print(f"run directory: {run_dir}")
    task = instantiate(cfg.task, _convert_="partial")
    # Tasks that store the model config in checkpoints take the resolved run config.
    extra = {"config": OmegaConf.to_container(cfg, resolve=True)} \
        if "config" in inspect.signature(task.run).parameters else {}
    task.run(run_dir=run_dir, **extra)
    return 0
