import pytest
from django.core.management import ManagementUtility, get_commands


def test_the_pure_clinical_commands_are_listed_as_management_commands():
    assert {"score", "screen", "dose", "plan", "check-vitals", "course-review"} <= set(
        get_commands()
    )


def test_a_wrapper_runs_the_pure_command_and_keeps_its_exit_status(capsys):
    with pytest.raises(SystemExit) as done:
        ManagementUtility(["ketamine-care", "score", "phq9", "1", "--json"]).execute()
    assert done.value.code == 2  # one answer where nine are needed
    assert "phq9" in capsys.readouterr().err
