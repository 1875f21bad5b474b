"""The wording shared by every field-level refusal.

HTTP input is parsed once, into typed values, by the ninja Schemas and Django Forms that call
the services; the services enforce domain rules on those values and refuse with these
messages, naming the field."""

from __future__ import annotations

REQUIRED = "This field is required."
FUTURE_DATE = "This date cannot be in the future."
