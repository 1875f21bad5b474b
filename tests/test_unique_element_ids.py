"""Every element id is unique on every main page, for every role: a label, an htmx target or
`aria-describedby` pointing at a repeated id reaches the wrong element (WCAG 4.1.1)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.test import TestCase

from ketamine_care.accounts.models import Role, User
from ketamine_care.testing.demo_snapshot import load_demo_once
from ketamine_care.testing.pages import main_pages


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.ids += [value for name, value in attrs if name == "id" and value]


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(i for i, n in Counter(parser.ids).items() if n > 1)


def test_the_checker_finds_a_repeated_id():
    html = '<form><input id="id_lot"></form><form><input id="id_lot"><p id="x"></p></form>'
    assert duplicate_ids(html) == ["id_lot"]


# The markup is the same whichever database serves it: checked once, in the SQLite pass.
@pytest.mark.only_on("sqlite")
class UniqueIdsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        load_demo_once()

    def test_no_main_page_repeats_an_element_id_for_any_role(self):
        pages = main_pages()
        problems, seen = [], Counter()
        for role in Role:
            self.client.force_login(User.objects.get(email=f"{role.value}@demo.clinic"))
            for name, url in pages:
                response = self.client.get(url)
                if response.status_code != 200:
                    self.assertIn(response.status_code, (302, 403), f"{role} {name} {url}")
                    continue
                seen[role] += 1
                if dups := duplicate_ids(response.content.decode()):
                    problems.append(f"{role.label} · {name}: {', '.join(dups)}")
        self.assertEqual(problems, [])
        # Every clinical role saw most of the pages (the walk is not vacuous).
        for role in (Role.MEDICAL_DIRECTOR, Role.PRESCRIBER, Role.NURSE):
            self.assertGreaterEqual(seen[role], 9, role)
