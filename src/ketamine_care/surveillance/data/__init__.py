"""Surveillance data files (a package so setuptools ships the JSON as package data)."""
