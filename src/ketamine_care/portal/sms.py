"""Text messages through a pluggable backend, named by the SMS_BACKEND setting (a dotted
path to a class), in the manner of Django's EMAIL_BACKEND.

A backend has `send(*, to: str, body: str) -> None` and raises `SmsError` when the message
could not be handed over (the job is then retried). Shipped:
- `ConsoleBackend` (the demo and development): writes the message to standard output;
- `LocmemBackend` (tests): keeps the messages in `outbox`;
- `DisabledBackend`: refuses every message, for a site that sends no texts.
A provider's backend (an HTTP API, say) is a class with the same method, in the deployment's
own package. The body carries a first name, a time and a link, nothing else.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The message was not handed over; the words are safe to store (no number, no text)."""


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


class ConsoleBackend:
    def send(self, *, to: str, body: str) -> None:
        sys.stdout.write(f"SMS to {to}:\n{body}\n{'-' * 40}\n")
        sys.stdout.flush()


outbox: list[TextMessage] = []


class LocmemBackend:
    def send(self, *, to: str, body: str) -> None:
        outbox.append(TextMessage(to=to, body=body))


class DisabledBackend:
    def send(self, *, to: str, body: str) -> None:
        raise SmsError("text messages are switched off (SMS_BACKEND)")


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, to: str, body: str) -> None:
    get_backend().send(to=to, body=body)
