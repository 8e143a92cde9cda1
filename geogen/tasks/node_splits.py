"""Train a node classifier on every fixed split of a dataset and report mean ± std accuracy."""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

import torch

from geogen.data.heterophily import load_node_dataset
from geogen.methods.node_classification import NodeClassification, SplitResult
from geogen.methods.stacked_splits import fit_stacked, stackable

__all__ = ["NodeSplitsTask", "merge_split_metrics"]


class NodeSplitsTask:
    """``geogen train experiment=nsd_<dataset>``: fit ``method`` on splits of ``dataset``.

    Args:
        dataset: a name of :func:`geogen.data.heterophily.available_node_datasets`.
        method: a :class:`NodeClassification`.
        splits: split indices to run (default: all 10).
        seed: split ``k`` is trained with ``torch.manual_seed(seed + k)``.
        num_threads: torch CPU threads (None: leave torch's default).
        data_root: dataset cache root (default ``$GEOGEN_DATA``).
        device: ``cpu``, ``cuda``, ... (default: cuda when available).
        stacked: train all splits at once (:func:`geogen.methods.stacked_splits.fit_stacked`) when the
            model supports it and the graph has at most ``stack_max_edges`` directed edges; False
            trains them one after another.
        stack_max_edges: largest graph (directed edges) trained stacked.
        processes: train the splits in this many groups at once, one process and one torch
            thread per group (the first group in this process, the others in spawned workers;
            splits dealt round-robin); each group is trained stacked or one split after another as
            above and writes ``metrics.part<k>.json`` as its splits finish. None = one per usable
            CPU core, at most one per split. On small graphs an epoch is a few hundred tiny
            operators, which a second thread barely speeds up and a second process halves (texas,
            2 cores: 31 s in two processes against 51 s in one with two threads). Only on the CPU.
            Sequential results do not depend on the grouping; stacked ones do, through the dropout
            draws (``metrics.json`` records ``processes``).
    """

    def __init__(self, *, dataset: str, method: NodeClassification, splits: list[int] | None = None, seed: int = 0,
                 num_threads: int | None = None, data_root: str | None = None, device: str | None = None,
                 stacked: bool = True, stack_max_edges: int = 20000, processes: int | None = 1) -> None:
        if processes is not None and processes < 1:
            raise ValueError(f"processes must be at least 1 (or None for one per core), got {processes}")
        self.dataset, self.method, self.splits = dataset, method, splits
        self.stacked, self.stack_max_edges, self.processes = stacked, stack_max_edges, processes
        self.seed, self.num_threads, self.data_root = seed, num_threads, data_root
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")

    def run(self, run_dir: Path) -> dict:
        """Train on each split, print a table, write ``metrics.json`` into ``run_dir``; return the metrics."""
        start = time.perf_counter()
        data = load_node_dataset(self.dataset, root=self.data_root).to(self.device)
        splits = list(range(data.num_splits)) if self.splits is None else list(self.splits)
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        groups = self._groups(splits)
        if len(groups) == 1:
            if self.num_threads:
                torch.set_num_threads(self.num_threads)
            results, mode = self._fit(data, splits, run_dir / "metrics.json", start)
        else:
            ignored = f"; task.num_threads={self.num_threads} applies to one process only" if self.num_threads else ""
            print(f"training {len(splits)} splits in {len(groups)} processes of one thread each, splits "
                  f"{groups} (task.processes=1: all in this one{ignored})")
            results, mode = self._fit_parallel(data, groups, run_dir, start)
            order = {split: i for i, split in enumerate(splits)}
            results.sort(key=lambda r: order[r.split])
        metrics = _summarise(self.dataset, results, time.perf_counter() - start) | {"mode": mode,
                                                                                 "processes": len(groups)}
        _print_table(metrics, results)
        _write(run_dir / "metrics.json", metrics)
        if len(groups) > 1:  # the per-group partial files are merged into metrics.json now
            for k in range(len(groups)):
                (run_dir / f"metrics.part{k}.json").unlink(missing_ok=True)
        return metrics

    def _groups(self, splits: list[int]) -> list[list[int]]:
        """Splits dealt round-robin into ``processes`` groups (one group off the CPU)."""
        count = self.processes if self.processes is not None else _usable_cores()
        if torch.device(self.device).type != "cpu":
            count = 1
        count = max(1, min(count, len(splits)))
        return [splits[i::count] for i in range(count)]

    def _fit(self, data, splits: list[int], partial: Path | None, start: float,
             quiet: bool = False) -> tuple[list[SplitResult], str]:
        """Train ``splits`` in this process: stacked when possible, else one after another
        (then writing the finished splits to ``partial`` after each)."""
        torch.manual_seed(self.seed)
        model = self.method.build(data)
        graph = model.prepare_graph(data.edge_index, data.num_nodes)
        features = model.prepare_features(data.x)
        if self.stacked and stackable(model, graph, self.stack_max_edges):
            print(f"training {len(splits)} splits stacked (task.stacked=false: one after another)")
            return fit_stacked(self.method, data, splits, [self.seed + k for k in splits], graph, features), "stacked"
        return self._sequential(data, splits, graph, features, partial, start, quiet), "sequential"

    def _fit_parallel(self, data, groups: list[list[int]], run_dir: Path,
                      start: float) -> tuple[list[SplitResult], str]:
        """The first group here, the others in spawned single-thread workers.

        Each group writes its finished splits to ``metrics.part<k>.json`` as it goes (merge them
        with ``scripts/merge_split_metrics.py`` if the run dies). A failing worker ends the run
        with its traceback; on any error the other workers are terminated.
        """
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # fork is unsafe once torch's thread pools exist
        workers = []
        try:
            for k, group in enumerate(groups[1:], start=1):
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_worker_main, name=f"geogen-splits-{k}",
                                          args=(self, group, run_dir / f"metrics.part{k}.json", sender, os.getpid()))
                process.start()
                sender.close()
                workers.append((k, process, receiver))
            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                results, mode = self._fit(data, groups[0], run_dir / "metrics.part0.json", start)
            finally:
                torch.set_num_threads(threads)
            for k, process, receiver in workers:
                try:
                    status, payload = receiver.recv()
                except EOFError:
                    raise RuntimeError(f"split group {k} (worker process {process.pid}) died without a result "
                                       f"(exit code {process.exitcode})") from None
                if status == "error":
                    raise RuntimeError(f"split group {k} {groups[k]} failed in its worker process:\n{payload}")
                results += payload
                process.join()
        finally:
            for _, process, _ in workers:
                if process.is_alive():
                    process.terminate()
                    process.join(5)
        return results, mode

    def _sequential(self, data, splits: list[int], graph, features, partial: Path | None,
                    start: float, quiet: bool = False) -> list[SplitResult]:
        """One split after another, the finished ones written to ``partial`` after each (long runs)."""
        from tqdm.auto import tqdm

        results: list[SplitResult] = []
        bar = tqdm(splits, desc=f"{self.dataset} splits", unit="split", disable=quiet)
        for split in bar:
            torch.manual_seed(self.seed + split)
            # Epoch progress inside a split: a squirrel split runs for up to an hour on a shared CPU.
            epochs = tqdm(total=self.method.max_epochs, desc=f"split {split}", unit="epoch", leave=False,
                          mininterval=30.0, disable=quiet)

            def progress(epoch: int, best_val_acc: float, epochs=epochs) -> None:
                epochs.update(1)
                if epoch % 50 == 0:
                    epochs.set_postfix(best_val=f"{100 * best_val_acc:.1f}", refresh=False)

            result = self.method.fit(data, split, graph=graph, features=features, progress=progress)
            epochs.close()
            results.append(result)
            bar.set_postfix(test=f"{100 * result.test_acc:.1f}", epochs=result.epochs)
            if quiet:
                print(f"split {split}: test {100 * result.test_acc:.2f}, {result.epochs} epochs", flush=True)
            if partial is not None:
                _write(partial, _summarise(self.dataset, results, time.perf_counter() - start, complete=False))
        return results


def _usable_cores() -> int:
    """CPU cores this process may run on (affinity and cgroup cpusets included where visible)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _watch_parent(parent: int) -> None:
    """Exit this worker as soon as the parent that spawned it is gone (killed, crashed)."""
    while os.getppid() == parent:
        time.sleep(2.0)
    os._exit(1)


def _worker_main(task: NodeSplitsTask, splits: list[int], partial: Path, sender, parent: int) -> None:
    """Entry point of a spawned worker of :meth:`NodeSplitsTask._fit_parallel`: one torch thread,
    no progress bars, the results (or the formatted traceback) sent back through ``sender``."""
    import threading
    import traceback

    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    try:
        torch.set_num_threads(1)
        data = load_node_dataset(task.dataset, root=task.data_root).to(task.device)
        results, _ = task._fit(data, splits, partial, time.perf_counter(), quiet=True)
        sender.send(("ok", results))
    except BaseException:  # noqa: BLE001 - everything goes back to the parent, which raises it
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()


def _write(path: Path, metrics: dict) -> None:
    path.write_text(json.dumps(metrics, indent=2) + "\n")


def _summarise(dataset: str, results: list[SplitResult], seconds: float, complete: bool = True) -> dict:
    test = [100 * r.test_acc for r in results]
    val = [100 * r.val_acc for r in results]
    epochs = sum(r.epochs for r in results)
    return {
        "dataset": dataset,
        # Population std over splits, as NSD reports it.
        "test_acc_mean": statistics.fmean(test), "test_acc_std": statistics.pstdev(test),
        "val_acc_mean": statistics.fmean(val), "val_acc_std": statistics.pstdev(val),
        "test_acc": test, "val_acc": val, "splits": [r.split for r in results],
        "best_epoch": [r.best_epoch for r in results], "epochs": [r.epochs for r in results],
        "split_seconds": [r.seconds for r in results], "total_epochs": epochs,
        # Wall time (data loading included) per split-epoch: comparable between the stacked and sequential modes.
        "total_seconds": seconds, "seconds_per_epoch": seconds / max(epochs, 1),
        "complete": complete,
    }


def merge_split_metrics(runs: list[dict], num_splits: int | None = None) -> dict:
    """One ``metrics.json`` from several runs of the same dataset on disjoint splits.

    Long runs (squirrel: ~25 CPU-min per split) are split across processes with
    ``task.splits=[...]``; this recombines their per-split lists, sorted by split, and recomputes
    the summary exactly as one run would (population std). Wall times are summed.

    Args:
        runs: ``metrics.json`` contents (partial ones included).
        num_splits: the dataset's number of splits; ``complete`` is True when all are present.
    Raises:
        ValueError: different datasets, or a split in more than one run.
    """
    if not runs:
        raise ValueError("no runs to merge")
    datasets = {run["dataset"] for run in runs}
    if len(datasets) != 1:
        raise ValueError(f"runs of different datasets: {sorted(datasets)}")
    rows = [(split, run, i) for run in runs for i, split in enumerate(run["splits"])]
    seen = [split for split, _, _ in rows]
    duplicates = sorted({split for split in seen if seen.count(split) > 1})
    if duplicates:
        raise ValueError(f"splits {duplicates} appear in more than one run")
    rows.sort(key=lambda row: row[0])
    results = [SplitResult(split=split, test_acc=run["test_acc"][i] / 100, val_acc=run["val_acc"][i] / 100,
                           best_epoch=run["best_epoch"][i], epochs=run["epochs"][i],
                           seconds=run["split_seconds"][i]) for split, run, i in rows]
    complete = num_splits is not None and sorted(seen) == list(range(num_splits))
    merged = _summarise(datasets.pop(), results, sum(run["total_seconds"] for run in runs), complete=complete)
    return merged | {"merged_runs": len(runs)}


def _print_table(metrics: dict, results: list[SplitResult]) -> None:
    print(f"\n{'split':>5} {'test acc':>9} {'val acc':>8} {'best ep':>8} {'epochs':>7} {'sec':>7}")
    for r in results:
        print(f"{r.split:>5} {100 * r.test_acc:>9.2f} {100 * r.val_acc:>8.2f} {r.best_epoch:>8} {r.epochs:>7} {r.seconds:>7.1f}")
    print(f"{metrics['dataset']}: test {metrics['test_acc_mean']:.2f} ± {metrics['test_acc_std']:.2f} | "
          f"val {metrics['val_acc_mean']:.2f} | {metrics['total_epochs']} epochs, {metrics['total_seconds']:.1f} s "
          f"({1000 * metrics['seconds_per_epoch']:.1f} ms/epoch)")
