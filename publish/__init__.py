"""publish: the edition builder of a weekly paper."""

__version__ = "0.1.0"
