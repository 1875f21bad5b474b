"""axe-core over the main pages as each role: no serious or critical violation.

axe-playwright-python bundles axe.min.js, so the check needs no network. The pages come from
the demo data (`testing.pages.main_pages`); a page a role may not open (403) is skipped."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from ketamine_care.accounts.models import Role
from ketamine_care.demo.data import DEMO_PASSWORD
from ketamine_care.testing.demo_snapshot import load_demo_once
from ketamine_care.testing.pages import main_pages

# The markup is the same whichever database serves it: checked once, in the SQLite pass.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.only_on("sqlite"),
    pytest.mark.django_db(transaction=True),
]

BLOCKING = ("serious", "critical")


def violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def test_main_pages_have_no_serious_violations_for_any_role(page, sign_in):
    load_demo_once()
    pages = main_pages()
    problems, checked = [], 0
    for role in Role:
        sign_in(f"{role.value}@demo.clinic", DEMO_PASSWORD)
        for name, url in pages:
            response = page.goto(url)
            if response.status == 403:
                continue
            assert response.status == 200, f"{role.label} · {name}: {response.status}"
            checked += 1
            problems += [f"{role.label} · {name}: {v}" for v in violations(page)]
        page.get_by_role("button", name="Sign out").click()
    assert checked >= 40, checked
    assert problems == [], "\n".join(problems)
