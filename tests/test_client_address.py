"""The client address behind a reverse proxy, and the cache every worker shares."""

from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.test import Client, RequestFactory, SimpleTestCase, TestCase, override_settings

from ketamine_care.audit.models import AuditEvent
from ketamine_care.audit.services import record
from ketamine_care.config.env import cache_from_url
from ketamine_care.core.middleware import client_ip
from ketamine_care.testing.base import PASSWORD, ClinicTestCase


def request_from(peer: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(TRUSTED_PROXIES=["10.0.0.1", "192.168.0.0/24", "fd00::/8"])
class ClientAddressTests(SimpleTestCase):
    def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(self):
        request = request_from("203.0.113.9", "198.51.100.1")
        self.assertEqual(client_ip(request), "203.0.113.9")

    def test_x_forwarded_for_from_a_trusted_proxy_is_used(self):
        self.assertEqual(client_ip(request_from("10.0.0.1", "198.51.100.7")), "198.51.100.7")

    def test_the_rightmost_untrusted_address_wins_over_what_the_client_wrote(self):
        # The client forged "1.2.3.4"; the outer proxy 192.168.0.5 appended the real client.
        request = request_from("10.0.0.1", "1.2.3.4, 198.51.100.7, 192.168.0.5")
        self.assertEqual(client_ip(request), "198.51.100.7")

    def test_a_chain_of_trusted_proxies_only_gives_the_leftmost(self):
        self.assertEqual(client_ip(request_from("10.0.0.1", "192.168.0.9")), "192.168.0.9")

    def test_a_malformed_hop_stops_the_walk_at_the_proxy(self):
        request = request_from("10.0.0.1", "198.51.100.7, not-an-address")
        self.assertEqual(client_ip(request), "10.0.0.1")

    def test_ipv6_proxies_and_clients(self):
        self.assertEqual(client_ip(request_from("fd00::1", "2001:db8::5")), "2001:db8::5")

    def test_a_trusted_proxy_without_the_header_is_the_client(self):
        self.assertEqual(client_ip(request_from("10.0.0.1")), "10.0.0.1")

    @override_settings(TRUSTED_PROXIES=[])
    def test_with_no_trusted_proxy_the_header_is_never_read(self):
        self.assertEqual(client_ip(request_from("10.0.0.1", "198.51.100.7")), "10.0.0.1")

    def test_axes_uses_the_same_address(self):
        from axes.helpers import get_client_ip_address

        request = request_from("10.0.0.1", "198.51.100.7")
        self.assertEqual(get_client_ip_address(request), "198.51.100.7")


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
class AuditedAddressTests(TestCase):
    def test_the_audit_trail_records_the_client_not_the_proxy(self):
        record(event_type="test.event", request=request_from("10.0.0.1", "198.51.100.7"))
        self.assertEqual(AuditEvent.objects.get().client_ip, "198.51.100.7")
        record(event_type="test.event", request=request_from("203.0.113.9", "198.51.100.7"))
        self.assertEqual(AuditEvent.objects.latest("id").client_ip, "203.0.113.9")


class SharedCacheTests(TestCase):
    def test_the_cache_is_the_database_cache_by_default(self):
        self.assertEqual(
            settings.CACHES["default"]["BACKEND"], "django.core.cache.backends.db.DatabaseCache"
        )
        # The table exists (created by the `core` migration) and keeps values.
        cache.set("shared-cache-probe", 3, 60)
        self.assertEqual(cache.get("shared-cache-probe"), 3)

    def test_cache_url_chooses_the_backend(self):
        cases = {
            "db://": ("django.core.cache.backends.db.DatabaseCache", "kc_cache"),
            "db://throttles": ("django.core.cache.backends.db.DatabaseCache", "throttles"),
            "redis://cache:6379/1": (
                "django.core.cache.backends.redis.RedisCache",
                "redis://cache:6379/1",
            ),
            "memcached://cache:11211": (
                "django.core.cache.backends.memcached.PyMemcacheCache",
                "cache:11211",
            ),
        }
        for url, (backend, location) in cases.items():
            with self.subTest(url=url):
                config = cache_from_url(url)
                self.assertEqual((config["BACKEND"], config.get("LOCATION")), (backend, location))

    def test_a_per_process_cache_is_flagged_by_the_deploy_checks(self):
        from ketamine_care.core.checks import check_shared_cache

        self.assertEqual(check_shared_cache(None), [])
        locmem = {"default": cache_from_url("locmem://")}
        with override_settings(CACHES=locmem):
            self.assertEqual([w.id for w in check_shared_cache(None)], ["ketamine_care.W020"])

    def test_an_unknown_cache_url_is_refused(self):
        from django.core.exceptions import ImproperlyConfigured

        with self.assertRaises(ImproperlyConfigured):
            cache_from_url("ftp://nowhere")


@override_settings(TRUSTED_PROXIES=["10.0.0.1"], PORTAL_REQUESTS_PER_10_MINUTES=2)
class PortalThrottleAddressTests(TestCase):
    """One scanner behind the proxy is slowed down; the patients behind the same proxy are not."""

    def test_the_portal_throttle_counts_each_client_behind_the_proxy(self):
        from ketamine_care.portal import ratelimit

        scanner = request_from("10.0.0.1", "198.51.100.66")
        patient = request_from("10.0.0.1", "198.51.100.7")
        self.assertEqual([ratelimit.allow(scanner) for _ in range(3)], [True, True, False])
        self.assertTrue(ratelimit.allow(patient))

    def test_a_forged_header_from_outside_does_not_escape_the_throttle(self):
        from ketamine_care.portal import ratelimit

        results = [
            ratelimit.allow(request_from("203.0.113.9", f"198.51.100.{n}")) for n in range(3)
        ]
        self.assertEqual(results, [True, True, False])


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
class SignInLockOutAddressTests(ClinicTestCase):
    def sign_in(self, client_address: str, password: str):
        return Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=client_address).post(
            "/accounts/login/", {"email": "nurse@test.clinic", "password": password}
        )

    def test_a_scanner_behind_the_proxy_does_not_lock_out_everyone_behind_it(self):
        for _ in range(5):
            self.sign_in("198.51.100.66", "guess")
        self.assertEqual(self.sign_in("198.51.100.66", PASSWORD).status_code, 429)
        self.assertEqual(self.sign_in("198.51.100.7", PASSWORD).status_code, 302)
        attempt = AccessAttempt.objects.get()
        self.assertEqual(attempt.ip_address, "198.51.100.66")
