"""What `geogen train` runs: a task object built by Hydra from an experiment config."""

from geogen.tasks.fit import FitTask
from geogen.tasks.node_splits import NodeSplitsTask

__all__ = ["FitTask", "NodeSplitsTask"]
