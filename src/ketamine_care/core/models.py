"""Shared model bases: a UUID public id for URLs and the API, and timestamps."""

from __future__ import annotations

import uuid

from django.db import models


class PublicIdModel(models.Model):
    """Internal integer keys never leave the server; URLs and the API use `public_id`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
