"""Shared rule-set fragments, included by the per-protocol rule sets."""
