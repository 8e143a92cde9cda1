"""File output helpers shared by every writer."""

from geogen.io.atomic import atomic_output

__all__ = ["atomic_output"]
