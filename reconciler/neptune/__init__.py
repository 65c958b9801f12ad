"""Talking to Neptune ML: the client, SigV4, the API's errors and its response models."""

from .client import NeptuneClient, make_client
from .errors import ApiError, BadRequestError, NotFoundError, ServerError, ThrottledError

__all__ = [
    "ApiError",
    "BadRequestError",
    "NeptuneClient",
    "NotFoundError",
    "ServerError",
    "ThrottledError",
    "make_client",
]
