"""GitOps reconciler for the Amazon Neptune ML path: data processing, model training, endpoints."""

__version__ = "0.1.0"
