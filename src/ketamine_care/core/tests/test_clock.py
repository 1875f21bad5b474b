"""The clinic's clock (pure: no database): its zone, its today, its day bounds across the
daylight-saving changes, and the one format every screen shows times in."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, override_settings
from django.utils import timezone

from ketamine_care.core.checks import check_default_clinic_time_zone
from ketamine_care.core.clock import (
    activate_clinic_zone,
    as_utc,
    clinic_date_of,
    clinic_day_bounds,
    clinic_now,
    clinic_today,
    clinic_zone,
    default_time_zone,
    elapsed,
    validate_time_zone,
)
from ketamine_care.core.templatetags.clinic_time import clinic_clock, clinic_time

PACIFIC = SimpleNamespace(time_zone="America/Los_Angeles")
EASTERN = SimpleNamespace(time_zone="America/New_York")
LA = ZoneInfo("America/Los_Angeles")


class ClinicTodayTests(SimpleTestCase):
    def test_at_five_pm_pacific_it_is_still_today_there_though_tomorrow_in_utc(self):
        now = datetime(2027, 6, 14, 17, 0, tzinfo=LA)
        self.assertEqual(now.astimezone(UTC).date(), date(2027, 6, 15))
        self.assertEqual(clinic_today(PACIFIC, now), date(2027, 6, 14))
        self.assertEqual(clinic_today(EASTERN, now), date(2027, 6, 14))
        self.assertEqual(clinic_now(PACIFIC, now).hour, 17)

    def test_the_date_of_an_instant_is_the_clinics(self):
        late = datetime(2027, 6, 15, 3, 30, tzinfo=UTC)  # 20:30 Pacific, 23:30 Eastern
        self.assertEqual(clinic_date_of(PACIFIC, late), date(2027, 6, 14))
        self.assertEqual(clinic_date_of(EASTERN, late), date(2027, 6, 14))
        self.assertEqual(clinic_date_of(SimpleNamespace(time_zone="UTC"), late), date(2027, 6, 15))

    def test_a_naive_instant_is_read_as_utc(self):
        self.assertEqual(clinic_date_of(PACIFIC, datetime(2027, 6, 15, 3, 30)), date(2027, 6, 14))

    def test_a_day_is_midnight_to_midnight_in_the_zone(self):
        start, end = clinic_day_bounds(PACIFIC, date(2027, 6, 14))
        self.assertEqual(start.astimezone(UTC), datetime(2027, 6, 14, 7, 0, tzinfo=UTC))
        self.assertEqual(end - start, timedelta(hours=24))

    def test_the_spring_forward_day_is_23_hours_and_the_fall_back_day_25(self):
        for day, hours in ((date(2027, 3, 14), 23), (date(2027, 11, 7), 25)):
            with self.subTest(day=day):
                start, end = clinic_day_bounds(PACIFIC, day)
                self.assertEqual(elapsed(start, end), timedelta(hours=hours))
                self.assertEqual(clinic_date_of(PACIFIC, end - timedelta(seconds=1)), day)
                self.assertEqual(clinic_date_of(PACIFIC, end), day + timedelta(days=1))

    def test_elapsed_time_is_real_time_though_both_ends_share_the_zone(self):
        # A form parses both times in the clinic's zone; Python alone would say -40 minutes.
        dose = datetime(2027, 11, 7, 1, 50, tzinfo=LA)  # PDT
        reading = datetime(2027, 11, 7, 1, 10, fold=1, tzinfo=LA)  # PST, after the change
        self.assertEqual(reading - dose, timedelta(minutes=-40))
        self.assertEqual(elapsed(dose, reading), timedelta(minutes=20))
        self.assertEqual(as_utc(reading) - as_utc(dose), timedelta(minutes=20))
        self.assertIsNone(as_utc(None))


class ZoneSettingTests(SimpleTestCase):
    def test_iana_names_pass_and_abbreviations_or_offsets_do_not(self):
        validate_time_zone("America/Los_Angeles")
        validate_time_zone("UTC")
        for bad in ("PST", "+02:00", "Mars/Olympus_Mons", "", "america/los_angeles"):
            with self.subTest(name=bad), self.assertRaises(ValidationError) as caught:
                validate_time_zone(bad)
            self.assertIn("IANA", caught.exception.messages[0])

    @override_settings(DEFAULT_CLINIC_TIME_ZONE="America/Chicago")
    def test_the_default_comes_from_the_setting(self):
        self.assertEqual(default_time_zone(), "America/Chicago")
        self.assertEqual(clinic_zone(SimpleNamespace(time_zone="")), ZoneInfo("America/Chicago"))
        self.assertEqual(check_default_clinic_time_zone(None), [])

    @override_settings(DEFAULT_CLINIC_TIME_ZONE="")
    def test_the_default_is_utc_when_unset(self):
        self.assertEqual(default_time_zone(), "UTC")
        self.assertEqual(clinic_zone(None), ZoneInfo("UTC"))

    @override_settings(DEFAULT_CLINIC_TIME_ZONE="PST")
    def test_a_default_that_is_not_a_zone_fails_the_system_check(self):
        (error,) = check_default_clinic_time_zone(None)
        self.assertEqual(error.id, "ketamine_care.E021")
        self.assertIn("PST", error.msg)

    def test_an_unknown_stored_name_falls_back_to_the_default_not_to_an_error(self):
        with override_settings(DEFAULT_CLINIC_TIME_ZONE="UTC"):
            self.assertEqual(clinic_zone(SimpleNamespace(time_zone="Nowhere/Here")).key, "UTC")

    def test_activation_sets_and_resets_the_current_zone(self):
        activate_clinic_zone(PACIFIC)
        try:
            self.assertEqual(timezone.get_current_timezone_name(), "America/Los_Angeles")
        finally:
            activate_clinic_zone(None)
        self.assertEqual(timezone.get_current_timezone_name(), "UTC")


class ClinicTimeFormatTests(SimpleTestCase):
    def test_one_human_format_in_the_clinics_zone(self):
        when = datetime(2027, 6, 15, 0, 5, tzinfo=UTC)
        self.assertEqual(clinic_time(when, PACIFIC), "14 Jun 2027, 17:05")
        self.assertEqual(clinic_time(when, EASTERN), "14 Jun 2027, 20:05")
        self.assertEqual(clinic_clock(when, PACIFIC), "17:05")
        self.assertEqual(clinic_time(when.isoformat(), PACIFIC), "14 Jun 2027, 17:05")

    def test_it_follows_the_zone_the_request_activated(self):
        when = datetime(2027, 6, 15, 0, 5, tzinfo=UTC)
        with timezone.override(LA):
            self.assertEqual(clinic_time(when), "14 Jun 2027, 17:05")
        self.assertEqual(clinic_time(when), "15 Jun 2027, 00:05")

    def test_the_repeated_hour_of_the_fall_back_night_names_its_zone(self):
        before = datetime(2027, 11, 7, 8, 50, tzinfo=UTC)  # 01:50 PDT
        after = datetime(2027, 11, 7, 9, 10, tzinfo=UTC)  # 01:10 PST, 20 minutes later
        self.assertEqual(clinic_time(before, PACIFIC), "7 Nov 2027, 01:50 PDT")
        self.assertEqual(clinic_clock(after, PACIFIC), "01:10 PST")
        self.assertEqual(clinic_clock(after + timedelta(hours=1), PACIFIC), "02:10")

    def test_the_spring_forward_night_skips_from_0159_to_0300(self):
        self.assertEqual(clinic_clock(datetime(2027, 3, 14, 9, 59, tzinfo=UTC), PACIFIC), "01:59")
        self.assertEqual(clinic_clock(datetime(2027, 3, 14, 10, 0, tzinfo=UTC), PACIFIC), "03:00")

    def test_empty_and_unreadable_values(self):
        self.assertEqual(clinic_time(None), "")
        self.assertEqual(clinic_time(""), "")
        self.assertEqual(clinic_time("not a time"), "not a time")
        self.assertEqual(clinic_clock("None"), "")
