"""What screening contributes to the patient chart, registered in `ScreeningConfig.ready()`."""

from __future__ import annotations

from ketamine_care.screening.interactions import interaction_warnings


def medication_warnings(request, medication) -> dict:
    """Interaction warnings for one medication row of the chart (data: interactions.json)."""
    return {
        "warnings": interaction_warnings(
            [{"name": medication.name, "class": medication.drug_class}]
        )
    }
