"""What `geogen train` runs: a task object built by Hydra from an experiment config."""

from geogen.tasks.fit import FitTask

__all__ = ["FitTask"]
