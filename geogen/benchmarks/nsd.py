"""Neural Sheaf Diffusion epoch time (train step + evaluation) on texas/chameleon/film, vs the official code."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

# Official implementation measured on the project's 2-core machines (ANCHORS.md).
_OFFICIAL_MS_PER_EPOCH = {"texas": 25.0, "chameleon": 1830.0}
_OFFICIAL_TEXAS_TOTAL_S = 127.0


def _task(name: str, threads: int, overrides: list[str]):
    from hydra.utils import instantiate

    from geogen.cli.config import compose_config

    cfg = compose_config("train", [f"experiment=nsd_{name}", f"task.num_threads={threads}", *overrides])
    return instantiate(cfg.task, _convert_="partial")


def _epoch_ms(name: str, epochs: int, threads: int) -> tuple[float, float]:
    """(wall, CPU) milliseconds per epoch of one split trained alone (split 0), early stopping disabled."""
    import torch

    from geogen.data.heterophily import load_node_dataset

    task = _task(name, threads, [])
    torch.set_num_threads(threads)
    data = load_node_dataset(name)
    method = task.method
    method.patience = 10 ** 9
    model = method.build(data)
    graph, features = model.prepare_graph(data.edge_index, data.num_nodes), model.prepare_features(data.x)
    method.max_epochs = 3
    method.fit(data, 0, graph=graph, features=features)  # warm-up
    method.max_epochs = epochs
    cpu = time.process_time()
    result = method.fit(data, 0, graph=graph, features=features)
    return 1000.0 * result.seconds / result.epochs, 1000.0 * (time.process_time() - cpu) / result.epochs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="geogen benchmark nsd", description=__doc__)
    parser.add_argument("--datasets", nargs="+", default=["texas", "chameleon", "film"])
    parser.add_argument("--epochs", type=int, default=50, help="timed epochs per dataset (split 0)")
    # Two threads = the 2-core target machine; on a machine shared with other jobs pass 1 (OpenMP spin-waits).
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--full-texas", action="store_true", help="also train texas on all 10 splits (paper settings)")
    parser.add_argument("--processes", type=int, default=None,
                        help="split groups in parallel processes for the full texas run (default: the config's, "
                             "one per core)")
    parser.add_argument("--sequential", action="store_true",
                        help="train the full texas run one split after another (default: stacked, as `geogen train`)")
    args = parser.parse_args(argv)
    print(f"{'dataset':<10} {'ms/epoch':>10} {'cpu ms':>8} {'official':>10} {'speed-up':>9}")
    for name in args.datasets:
        ms, cpu_ms = _epoch_ms(name, args.epochs, args.threads)
        official = _OFFICIAL_MS_PER_EPOCH.get(name)
        ref = f"{official:>10.1f} {official / ms:>8.1f}x" if official else f"{'-':>10} {'-':>9}"
        print(f"{name:<10} {ms:>10.1f} {cpu_ms:>8.1f} {ref}", flush=True)
    if args.full_texas:
        start, cpu = time.perf_counter(), time.process_time()
        overrides = [f"task.stacked={not args.sequential}"]
        if args.processes is not None:
            overrides.append(f"task.processes={args.processes}")
        with tempfile.TemporaryDirectory() as tmp:
            metrics = _task("texas", args.threads, overrides).run(run_dir=Path(tmp))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"texas 10 splits ({metrics['mode']}, {metrics['processes']} process(es)): {seconds:.1f} s wall, "
              f"{cpu:.1f} s CPU of the main process "
              f"(official {_OFFICIAL_TEXAS_TOTAL_S:.0f} s), {metrics['total_epochs']} split-epochs "
              f"({1000 * seconds / metrics['total_epochs']:.1f} ms each), longest split {max(metrics['epochs'])} epochs, "
              f"test {metrics['test_acc_mean']:.2f} ± {metrics['test_acc_std']:.2f} (official 85.95 ± 4.95)")
    return 0
