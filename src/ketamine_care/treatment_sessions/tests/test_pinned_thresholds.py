"""In-session alerts follow the alert thresholds a protocol version pinned at activation: a
package upgrade that changes the protocol file changes nothing for that version, and every
alert names the thresholds (protocol version + digest) that raised it."""

from __future__ import annotations

from unittest import mock

from django.utils import timezone

from ketamine_care.accounts.models import Role
from ketamine_care.protocols import services as protocol_services
from ketamine_care.protocols.pinning import THRESHOLDS
from ketamine_care.testing.base import ClinicTestCase, make_user
from ketamine_care.treatment_sessions import services
from ketamine_care.treatment_sessions.tests.factories import activate, screened_session

_real_loader = protocol_services.load_definition


def upgraded_package(protocol_id: str):
    """The protocol re-released without its oxygen-saturation alerts."""
    shipped = _real_loader(protocol_id)
    kept = [
        t
        for t in shipped.monitoring.alert_thresholds
        if all(c.measure != "spo2" for c in t.conditions)
    ]
    monitoring = shipped.monitoring.model_copy(update={"alert_thresholds": kept})
    return shipped.model_copy(update={"monitoring": monitoring})


def low_spo2(session, actor):
    services.check_in(session=session, actor=actor)
    services.start_pre_assessment(session=session, actor=actor)
    return services.record_vitals(
        session=session,
        actor=actor,
        readings=[{"measured_at": timezone.now(), "spo2_percent": 85}],
    ).new_alerts


class PinnedThresholdTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.version = activate(cls.clinic, cls.medical_director)
        cls.other_director = make_user(
            "director@elsewhere.clinic", cls.other_clinic, Role.MEDICAL_DIRECTOR
        )

    def test_an_alert_names_the_pinned_thresholds_digest(self):
        session = screened_session(self.patient, self.version, self.prescriber)
        alerts = low_spo2(session, self.nurse)
        self.assertTrue(alerts)
        digest = self.version.pinned_rules[THRESHOLDS]["digest"]
        self.assertEqual({a.thresholds_digest for a in alerts}, {digest})
        self.assertEqual(session.protocol_version_id, self.version.pk)

    def test_changing_the_packaged_thresholds_after_activation_does_not_change_alerts(self):
        with mock.patch.object(protocol_services, "load_definition", upgraded_package):
            session = screened_session(self.patient, self.version, self.prescriber)
            alerts = low_spo2(session, self.nurse)
            # The patch is real: a version activated now has no SpO2 alert.
            fresh = activate(self.other_clinic, self.other_director)
            other = screened_session(self.other_patient, fresh, self.outsider)
            upgraded_alerts = low_spo2(other, self.outsider)
        self.assertTrue(any("spo2" in a.rule for a in alerts), [a.rule for a in alerts])
        self.assertEqual(
            {a.thresholds_digest for a in alerts},
            {self.version.pinned_rules[THRESHOLDS]["digest"]},
        )
        self.assertEqual(upgraded_alerts, [])
        self.assertNotEqual(
            fresh.pinned_rules[THRESHOLDS]["digest"],
            self.version.pinned_rules[THRESHOLDS]["digest"],
        )
