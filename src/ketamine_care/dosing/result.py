"""The calculator's result (the `ketamine-care dose --json` contract) and the infusion
arithmetic (pure; no Django)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ketamine_care.dosing.weights import as_decimal, round_to

# Ketalar: the 100 mg/mL strength must be diluted before IV use [@ketalar-uspi §2].
UNDILUTED_IV_MG_PER_ML = Decimal("100")


@dataclass(frozen=True)
class Infusion:
    duration_min: int
    rate_mg_per_h: float
    volume_ml: float | None
    rate_ml_per_h: float | None


@dataclass(frozen=True)
class DoseResult:
    """One calculated dose. `blocked` means the protocol forbids it; see `block_reasons`."""

    protocol: str
    drug: str
    route: str
    dose_mg: float | None
    dose_mg_per_kg: float | None
    weight_basis: str | None
    weight_used_kg: float | None
    bmi: float | None
    infusion: Infusion | None
    devices: int | None
    warnings: tuple[str, ...]
    blocked: bool
    block_reasons: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """The `ketamine-care dose --json` contract, keys in contract order."""
        infusion = None
        if self.infusion is not None:
            infusion = {
                "duration_min": self.infusion.duration_min,
                "rate_mg_per_h": self.infusion.rate_mg_per_h,
                "volume_ml": self.infusion.volume_ml,
                "rate_ml_per_h": self.infusion.rate_ml_per_h,
            }
        return {
            "protocol": self.protocol,
            "drug": self.drug,
            "route": self.route,
            "dose_mg": self.dose_mg,
            "dose_mg_per_kg": self.dose_mg_per_kg,
            "weight_basis": self.weight_basis,
            "weight_used_kg": self.weight_used_kg,
            "bmi": self.bmi,
            "infusion": infusion,
            "devices": self.devices,
            "warnings": list(self.warnings),
            "blocked": self.blocked,
            "block_reasons": list(self.block_reasons),
        }


def infusion_for(
    duration: int | None,
    dose_mg: Decimal | None,
    concentration: float | None,
    warnings: list[str],
    *,
    intravenous: bool,
) -> Infusion | None:
    """Rate (mg/h) over the protocol's infusion time; volume and mL/h given a concentration.
    Warnings about the concentration are appended to `warnings`: the dilution warning for
    every IV dose, an IV push as much as an infusion [@ketalar-uspi §2]."""
    conc = None if concentration is None else as_decimal("concentration_mg_per_ml", concentration)
    if intravenous and conc is not None and conc >= UNDILUTED_IV_MG_PER_ML:
        warnings.append(
            f"{_fmt(conc)} mg/mL: the 100 mg/mL strength must not be given IV undiluted; "
            "dilute with an equal volume of sterile water, 0.9% NaCl or D5W (Ketalar label)"
        )
    if duration is None or dose_mg is None:
        if conc is not None:
            warnings.append("concentration ignored: this route has no timed infusion")
        return None
    per_hour = Decimal(60) / Decimal(duration)
    volume = None if conc is None else dose_mg / conc
    return Infusion(
        duration_min=duration,
        rate_mg_per_h=float(round_to(dose_mg * per_hour, "0.1")),
        volume_ml=None if volume is None else float(round_to(volume, "0.1")),
        rate_ml_per_h=None if volume is None else float(round_to(volume * per_hour, "0.1")),
    )


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")
