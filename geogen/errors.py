"""The one exception type the command line turns into a one-line message."""

__all__ = ["GeogenError"]


class GeogenError(Exception):
    """A user-facing error: bad input, missing data, wrong checkpoint, unknown config key.

    The `geogen` command prints ``error: <message>`` on one line and exits with status 2;
    library users catch it like any exception. Programming errors are not wrapped in it.
    """
