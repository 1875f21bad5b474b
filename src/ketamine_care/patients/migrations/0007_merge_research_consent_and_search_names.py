"""Joins two migrations made side by side: research consent and the search names table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0006_research_consent"),
        ("patients", "0006_search_names_and_given_order"),
    ]

    operations = []
