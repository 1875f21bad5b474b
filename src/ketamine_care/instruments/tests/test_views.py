from ketamine_care.instruments.models import Administration
from ketamine_care.outcomes.models import SafetyAlert
from ketamine_care.testing.base import ClinicTestCase, audit_statements
from ketamine_care.testing.measures import phq9, record

HTMX = {"HTTP_HX_REQUEST": "true"}


def phq9_post(values, **extra):
    data = {f"item_phq9_{i}": str(v) for i, v in enumerate(values, 1)}
    return {"instrument": "phq9", "time_point": "follow_up", **data, **extra}


class EntryViewTests(ClinicTestCase):
    def url(self, name):
        return f"/measures/{self.patient.public_id}/{name}/"

    def test_the_entry_form_is_a_partial_for_htmx_and_a_page_otherwise(self):
        client = self.client_for(self.nurse)
        partial = client.get(self.url("entry"), {"instrument": "phq9"}, **HTMX)
        self.assertContains(partial, 'id="entry-form"')
        self.assertNotContains(partial, "<html")
        self.assertContains(partial, 'name="item_phq9_9"')
        self.assertContains(partial, 'data-keyed="true"')
        page = client.get(self.url("entry"), {"instrument": "phq9"})
        self.assertContains(page, "<html")
        self.assertNotContains(page, "#section-measures")  # a plain form off the chart

    def test_wide_ranges_get_a_number_input(self):
        response = self.client_for(self.nurse).get(self.url("entry"), {"instrument": "cdrs_r"})
        self.assertContains(response, 'type="number"')

    def test_the_preview_shows_the_live_score_band_and_flags(self):
        client = self.client_for(self.nurse)
        partial = client.post(self.url("preview"), phq9_post([3, 3, 3, 0, 0]), **HTMX)
        self.assertContains(partial, 'id="live-total">9<')
        self.assertContains(partial, "5 of 9 answered")
        full = client.post(self.url("preview"), phq9_post([3, 3, 3, 3, 3, 0, 0, 0, 1]), **HTMX)
        self.assertContains(full, 'id="live-band">Moderately severe<')
        self.assertContains(full, "suicidality")
        self.assertFalse(Administration.objects.exists())

    def test_saving_over_htmx_returns_the_refreshed_measures_section(self):
        response = self.client_for(self.nurse).post(
            self.url("record"), phq9_post([1] * 8 + [1]), **HTMX
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="section-measures"')
        self.assertContains(response, "1 safety alert(s) raised")
        self.assertContains(response, "PHQ-9 item 9")
        self.assertEqual(Administration.objects.get().entered_by, self.nurse)

    def test_saving_without_htmx_redirects_to_the_chart(self):
        response = self.client_for(self.nurse).post(self.url("record"), phq9_post([0] * 9))
        self.assertRedirects(response, f"/patients/{self.patient.public_id}/")

    def test_a_missing_answer_answers_422_on_the_item_and_saves_nothing(self):
        response = self.client_for(self.nurse).post(self.url("record"), phq9_post([1] * 8), **HTMX)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response["HX-Retarget"], "#entry-form")
        self.assertContains(response, "Answer", status_code=422)
        self.assertIn("item_phq9_9", response.context["form"].errors)
        self.assertFalse(Administration.objects.exists())


class ChartMeasuresTests(ClinicTestCase):
    def chart(self, user):
        return self.client_for(user).get(f"/patients/{self.patient.public_id}/")

    def test_the_chart_shows_outcomes_trajectory_and_open_alerts(self):
        record(self.patient, self.nurse, "phq9", phq9(20), days_ago=20, time_point="baseline")
        record(self.patient, self.nurse, "phq9", phq9(6, item9=1), days_ago=1)
        response = self.chart(self.nurse)
        self.assertContains(response, 'id="outcomes-table"')
        self.assertContains(response, "<svg")
        self.assertContains(response, "−70 %")
        self.assertContains(response, "Response: &gt;= 50 % reduction")
        self.assertContains(response, 'id="open-alerts"')
        self.assertNotContains(response, 'id="crisis-protocol"')

    def test_a_high_risk_cssrs_shows_the_crisis_protocol_to_clinicians(self):
        record(self.patient, self.nurse, "cssrs_screener", [1, 1, 1, 1, 1, 0, 0])
        response = self.chart(self.prescriber)
        self.assertContains(response, 'id="crisis-protocol"')
        self.assertContains(response, "988")

    def test_roles_without_the_capability_see_no_scores(self):
        record(self.patient, self.nurse, "phq9", phq9(6, item9=1))
        response = self.chart(self.front_desk)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "section-measures")

    def test_the_chart_query_count_does_not_grow_with_administrations(self):
        for day in range(3):
            record(self.patient, self.nurse, "phq9", phq9(10 + day), days_ago=day)
        client = self.client_for(self.nurse)
        client.get(f"/patients/{self.patient.public_id}/")  # warm session and caches
        with self.assertNumQueries(QUERIES + audit_statements()) as few:
            client.get(f"/patients/{self.patient.public_id}/")
        for day in range(60):
            code = ("phq9", "gad7", "qids_sr16")[day % 3]
            answers = {"phq9": phq9(day % 20), "gad7": [day % 4] * 7, "qids_sr16": [1] * 16}
            record(self.patient, self.nurse, code, answers[code], days_ago=day + 5)
        self.assertTrue(SafetyAlert.objects.count() < 5)
        with self.assertNumQueries(len(few.captured_queries)):
            response = client.get(f"/patients/{self.patient.public_id}/")
        self.assertContains(response, "trajectory-gad7")


# session, user, memberships (one query: the current clinic and the switcher's others), the
# second factor (one query: a confirmed device of any kind), patient, chart, measures (the
# rows' counts per instrument, the outcome snapshots, one page of ratings for every instrument, with
# dosing-session times, the latest plan's protocol for its remission cut-off and the safety
# plan), treatment (3), the course review (1: no active plan, nothing more to read),
# dosing sessions (the count for the pager and today's session; no page query with none),
# long-term surveillance (4: the doses, the checks last done, the latest checks, the open
# alerts; the protocol only once there is a dose), self-report links (1), scheduled measures
# (2: the requests, the contact preference), the therapy section, research consent (1: the
# latest changes with who recorded them), the alert banner (one query
# per alert feed: questionnaires, sessions, surveillance, therapy), the navigation's alert
# badge (every feed counted in one statement) and the user's backup-code device
# (django-otp's static plugin, read on every verified request); then the audit record's
# statements (`audit_statements`)
QUERIES = 38


class TimePointTests(ClinicTestCase):
    def test_the_time_point_must_be_chosen(self):
        data = phq9_post([0] * 9, time_point="")
        response = self.client_for(self.nurse).post(
            f"/measures/{self.patient.public_id}/record/", data, **HTMX
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("time_point", response.context["form"].errors)
        self.assertFalse(Administration.objects.exists())
