"""Brug: a bridge from an online signal to offline support."""

__version__ = "0.1.0"
