"""The weight a recorded dose was calculated and checked on: its basis (actual, ideal or
adjusted body weight) and kg. Expand only: two nullable columns, and a check that holds for
every existing row (both null: not recorded)."""

from django.db import migrations, models

WEIGHT_BASES = [
    ("actual", "Actual weight"),
    ("ideal", "Ideal body weight (Devine)"),
    ("adjusted", "Adjusted body weight"),
]


class Migration(migrations.Migration):
    dependencies = [("treatment_sessions", "0010_reading_key_prefix_index")]

    operations = [
        migrations.AddField(
            model_name="doseadministration",
            name="weight_basis",
            field=models.CharField(blank=True, choices=WEIGHT_BASES, max_length=16, null=True),
        ),
        migrations.AddField(
            model_name="doseadministration",
            name="weight_used_kg",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True),
        ),
        migrations.AddConstraint(
            model_name="doseadministration",
            constraint=models.CheckConstraint(
                condition=models.Q(weight_basis__isnull=True, weight_used_kg__isnull=True)
                | models.Q(
                    weight_basis__in=["actual", "ideal", "adjusted"], weight_used_kg__gt=0
                ),
                name="dose_weight_basis_with_its_weight",
            ),
        ),
    ]
