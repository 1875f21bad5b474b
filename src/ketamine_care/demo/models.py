"""The mark of a synthetic database: `ketamine-care synth` writes one row before it loads
anything, and refuses to load into a database that holds patients without this mark."""

from __future__ import annotations

from django.db import models


class SyntheticDataset(models.Model):
    """One `synth` run: the seed and patient count asked for, in which clinic, and when."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    seed = models.BigIntegerField()
    patients = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"synthetic data: {self.patients} patients, seed {self.seed}"
