"""The SQL path's item answers (`research.export.fast_ratings`: one array of JSON texts per
administration, expanded in arrow) against the Python path on generated answers: several
shipped definitions and versions (items of different key lengths, as jsonb orders them),
definition versions and instruments that are not shipped, items missing, keys that are no
item, and values of every JSON kind (integers, fractions, negative and very large numbers,
numbers written as text, booleans, null, arrays, objects). Both paths must write the same
files. Numbers are test data."""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ketamine_care.instruments.models import Administration
from ketamine_care.research.export import write_export
from ketamine_care.research.export.sources_measures import instrument_codes
from ketamine_care.research.tests.export_fixtures import seed_cohort
from ketamine_care.research.tests.export_generated import copy_of, generate
from ketamine_care.research.tests.test_export_sql import assert_same_export
from ketamine_care.testing.base import ClinicTestCase

DEFINITIONS = (
    ("madrs", "1.0.0"), ("madrs", "1.1.1"), ("hamd17", "1.0.0"), ("hamd17", "1.1.1"),
    ("cadss", "1.0.1"), ("tlfb", "1.0.0"), ("cgi_s", "1.0.1"), ("phq9", "9.9-unshipped"),
    ("no_such_scale", "1.0.0"),
)  # fmt: skip
VALUES = (
    lambda rng: rng.randint(0, 6), lambda rng: rng.choice((0.1, 1.25, -0.5, 2.5e-3, 1e21)),
    lambda rng: 2**60 + 1, lambda rng: -rng.randint(1, 9), lambda rng: "3",
    lambda rng: rng.choice((True, False)), lambda rng: None, lambda rng: [1, 2],
    lambda rng: {"value": 1}, lambda rng: "-", lambda rng: "",
)  # fmt: skip
EXTRA = {"comment": "slept badly", "madrs_99": 4, "é": 1, "": 2, "zz_last_item_key": 5}


def answers(code: str, version: str, rng: random.Random) -> dict:
    """Each item answered (or not) with a value of a random kind, and some keys that are
    no item of the definition."""
    items = list(instrument_codes(code, version)[1]) or [f"{code}_{i}" for i in (1, 2, 10)]
    given = {}
    for item in rng.sample(items, len(items)):  # stored order does not follow the items'
        if rng.random() < 0.8:
            given[item] = rng.choice(VALUES)(rng) if rng.random() < 0.4 else rng.randint(0, 6)
    for key, value in EXTRA.items():
        if rng.random() < 0.2:
            given[key] = value
    return given


def with_commas(given: dict, k: int) -> dict:
    """Every seventh administration also has strings ending in ", " (a key that is no item,
    an unanswered item), which a split at `, "` would take for a pair's start."""
    if k % 7 == 3:
        given[", "] = "a, "
        for item in ("madrs_1", "hamd17_1", "cadss_1", "cgi_s_1"):
            given.setdefault(item, ", ")
    return given


def generated_ratings(case, n: int, seed: int) -> None:
    """`n` administrations of random definitions and answers for the clinic's patients."""
    rng = random.Random(seed)
    template = Administration.objects.get(pk=case.rating.pk)
    patients = list(case.clinic.patients.order_by("pk").values_list("pk", flat=True))
    for k in range(n):
        code, version = rng.choice(DEFINITIONS)
        copy_of(
            template,
            patient_id=rng.choice(patients),
            instrument_code=code,
            definition_version=version,
            answers={} if k % 17 == 0 else with_commas(answers(code, version, rng), k),
            administered_at=template.administered_at + timedelta(days=k % 5, minutes=k),
        ).save()


@pytest.mark.only_on("postgresql")
class GeneratedAnswersTests(ClinicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        seed_cohort(cls)
        generate(cls, 60)
        generated_ratings(cls, 240, seed=11)

    def export(self, *, sql: bool):
        folder = Path(tempfile.mkdtemp()) / "out"
        self.addCleanup(shutil.rmtree, folder.parent)
        return folder, write_export(self.project, folder, actor=self.researcher, sql=sql)

    def test_both_paths_write_the_same_answers(self):
        python_folder, python = self.export(sql=False)
        sql_folder, fast = self.export(sql=True)
        assert_same_export(python_folder, python, sql_folder, fast)
        answers = pq.read_table(sql_folder / "item_answers.parquet").to_pylist()
        items = {row["item"] for row in answers}
        self.assertTrue({"madrs_9", "madrs_10", "tlfb_sex", "cadss_23"} <= items)
        self.assertFalse(items & {"comment", "madrs_99", "é", "", "zz_last_item_key"})
        values = {row["value"] for row in answers}
        self.assertTrue({0.1, -0.5, float(2**60), 1e21} <= values)
