"""The session state machine as a table: every (from, to) pair, legal or not."""

from django.test import SimpleTestCase

from ketamine_care.treatment_sessions import states

LEGAL = {
    ("scheduled", "checked_in"),
    ("checked_in", "pre_assessment"),
    ("pre_assessment", "dosing"),
    ("dosing", "monitoring"),
    ("monitoring", "ready_for_discharge"),
    ("ready_for_discharge", "discharged"),
    ("discharged", "signed"),
    *{
        (state, stop)
        for state in states.LIFECYCLE
        if state != "signed"
        for stop in ("cancelled", "aborted")
    },
}


class StateMachineTests(SimpleTestCase):
    def test_every_pair_follows_the_table(self):
        for current in states.STATES:
            for target in states.STATES:
                with self.subTest(current=current, target=target):
                    check = states.check_transition(current, target)
                    self.assertEqual(check.allowed, (current, target) in LEGAL)
                    self.assertEqual(bool(check.message), not check.allowed)

    def test_final_states_go_nowhere(self):
        for final in ("signed", "cancelled", "aborted"):
            self.assertEqual(states.TRANSITIONS[final], frozenset())

    def test_a_refusal_names_the_next_states(self):
        check = states.check_transition("scheduled", "dosing")
        self.assertIn("cannot become dosing", check.message)
        self.assertIn("checked in", check.message)

    def test_unknown_states_are_refused(self):
        self.assertFalse(states.check_transition("scheduled", "teleported").allowed)
