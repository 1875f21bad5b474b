"""Synthetic data never mixes with real patients: `synth` loads only into a database that
holds no patients, or whose every patient is in a clinic a synthetic run made (a
`SyntheticDataset` row names the clinic; it is written before anything else)."""

from __future__ import annotations

from ketamine_care.demo.models import SyntheticDataset
from ketamine_care.patients.models import Patient


class SynthRefused(Exception):
    """The database may hold real patients; nothing was written."""


def check_may_load() -> None:
    """Raise `SynthRefused`, naming the reason, unless the database is empty of patients or
    marked synthetic throughout."""
    synthetic = SyntheticDataset.objects.values("clinic_id")
    others = Patient.objects.exclude(clinic_id__in=synthetic)
    count = others.count()
    if count:
        raise SynthRefused(
            f"Refusing to load synthetic data: the database holds {count} patient(s) in clinics "
            "that no synthetic run created, and may hold real patients. Run synth only against "
            "an empty database or one that synth itself filled."
        )
