"""Omniloop: the O2O closed loop for brands with stores and online shops."""

__version__ = "0.1.0"
