"""Medication and interaction data files (package data)."""
