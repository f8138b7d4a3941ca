"""The two ways `ml` says no: to a user's file, and to an operator's setup."""


class ImageRejected(ValueError):
    """An upload we refuse; `str()` is a message fit to show the person who sent it."""


class ModelError(RuntimeError):
    """Missing or mismatched weights or artifacts; the message says what to run."""
