from django.db import migrations, models


class Migration(migrations.Migration):
    """A planned visit becomes one session; a cancelled session leaves the visit free."""

    dependencies = [
        ("treatment_sessions", "0006_open_session_alert_index"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="treatmentsession",
            constraint=models.UniqueConstraint(
                condition=models.Q(("planned_visit__isnull", False))
                & ~models.Q(("state", "cancelled")),
                fields=("planned_visit",),
                name="one_session_per_planned_visit",
            ),
        ),
    ]
