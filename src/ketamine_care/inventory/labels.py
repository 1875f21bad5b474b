"""The clinic's words for the inventory app's audit events;
registered in the app's `ready()` (`core.labels`)."""

from __future__ import annotations

from ketamine_care.core import labels as core_labels

AUDIT_EVENTS = {
    "ledger.product_added": "Product added",
    "ledger.received": "Stock received",
    "ledger.drawn": "Stock drawn for a dose",
    "ledger.wasted": "Stock wasted",
    "ledger.transferred": "Stock transferred",
    "ledger.adjusted": "Stock adjusted",
    "ledger.corrected": "Ledger entry corrected",
    "ledger.counted": "Stock counted",
    "ledger.discrepancy_recorded": "Count discrepancy recorded",
    "ledger.discrepancy_resolved": "Count discrepancy resolved",
    "ledger.witness_confirmation_failed": "Witness confirmation failed",
    "ledger.witness_confirmation_throttled": "Witness confirmations paused after failures",
}


def register() -> None:
    core_labels.register_labels(core_labels.AUDIT_EVENT, AUDIT_EVENTS)
