"""Reads of delivery and evaluation, one module per part of the work."""
