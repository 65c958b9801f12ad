"""GitOps reconciler for Amazon Neptune ML model-training jobs."""

__version__ = "0.1.0"
