"""Balanscoach: a grounded, offline coach for collaboration between organisations."""

__version__ = "0.1.0"
