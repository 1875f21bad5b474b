"""axe-core over the main pages as each role: no serious or critical violation.

axe-playwright-python bundles axe.min.js, so the check needs no network. The pages come from
the demo data (`testing.pages.main_pages`); a page a role may not open (403) is skipped.

Every rule runs on every page for every role, except colour contrast, axe's costliest rule:
it runs on each page for the first role that opens it. A role's page differs from another
role's by what it may do (its forms, buttons and links), built from the same components and
styles, so the contrast of a page's colours is checked once; what each role's markup says
(names, labels, roles, structure) is checked for every role."""

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


ALL_RULES = {"resultTypes": ["violations"]}
NO_CONTRAST = {**ALL_RULES, "rules": {"color-contrast": {"enabled": False}}}


def violations(page, options=ALL_RULES) -> list[str]:
    results = Axe().run(page, options=options)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def test_main_pages_have_no_serious_violations_for_any_role(page, sign_in):
    load_demo_once()
    pages = main_pages()
    problems, checked, contrast_checked = [], 0, set()
    for role in Role:
        sign_in(f"{role.value}@demo.clinic", DEMO_PASSWORD)
        for name, url in pages:
            response = page.goto(url)
            if response.status == 403:
                continue
            assert response.status == 200, f"{role.label} · {name}: {response.status}"
            checked += 1
            options = NO_CONTRAST if name in contrast_checked else ALL_RULES
            contrast_checked.add(name)
            problems += [f"{role.label} · {name}: {v}" for v in violations(page, options)]
        page.get_by_role("button", name="Sign out").click()
    assert checked >= 40, checked
    assert len(contrast_checked) == len(pages)  # every page's colours, by some role
    assert problems == [], "\n".join(problems)
