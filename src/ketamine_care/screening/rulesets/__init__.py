"""Screening rule-set data files (one per protocol id); a package so they ship as package data."""
