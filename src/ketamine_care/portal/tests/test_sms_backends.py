"""The SMS_BACKEND setting names the class that sends text messages (docs/MEASURES.md)."""

import os

import pytest
from django.test import override_settings

from ketamine_care.portal import sms


@override_settings(SMS_BACKEND="ketamine_care.portal.sms.ConsoleBackend")
def test_the_console_backend_prints_the_message(capsys):
    sms.send_sms(to="+15555550100", body="Hello Jamie")
    assert "SMS to +15555550100:\nHello Jamie" in capsys.readouterr().out


@override_settings(SMS_BACKEND="ketamine_care.portal.sms.DisabledBackend")
def test_the_disabled_backend_refuses_so_nothing_is_lost_silently():
    with pytest.raises(sms.SmsError):
        sms.send_sms(to="+15555550100", body="Hello")


@pytest.mark.skipif("SMS_BACKEND" in os.environ, reason="the environment names a backend")
def test_the_demo_prints_and_elsewhere_texts_are_off_until_a_backend_is_named():
    from ketamine_care.config import settings as project

    expected = "ConsoleBackend" if project.LOCAL else "DisabledBackend"
    assert project.SMS_BACKEND == f"ketamine_care.portal.sms.{expected}"
