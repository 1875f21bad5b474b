"""`ketamine-care course-review`: the JSON contract, the text output, and every bad input
exiting 2 with the field named and nothing on stdout."""

from __future__ import annotations

import json

import pytest

from ketamine_care.courses.cli import main
from ketamine_care.courses.tests.builders import ESK_INDUCTION, ESK_WEEKLY, history_json
from ketamine_care.courses.tests.test_course_state import REMITTER

ESK = "esketamine-trd-label"
GOOD = history_json([*REMITTER, (56, 7)], [*ESK_INDUCTION, *ESK_WEEKLY, 56], 7)
KEYS = {"protocol", "state", "recommendation", "exposure", "surveillance_due"}
EXPOSURE = {
    "sessions_last_30_days",
    "mg_last_30_days",
    "sessions_last_365_days",
    "mg_last_365_days",
}
UNKNOWN_DOSES = {"sessions_without_mg_last_30_days", "sessions_without_mg_last_365_days"}


def run(tmp_path, capsys, data, *args, protocol=ESK):
    path = tmp_path / "history.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    code = main(["--protocol", protocol, "--history", str(path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_keeps_the_contract(tmp_path, capsys):
    code, out, err = run(tmp_path, capsys, GOOD, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == KEYS
    assert result["protocol"] == ESK
    assert result["state"] == "sustained_remission"
    assert set(result["recommendation"]) == {"action", "reasons"}
    assert result["recommendation"]["action"] == "extend_interval"
    for reason in result["recommendation"]["reasons"]:
        assert set(reason) == {"rule", "message", "source"}
        assert "[@" in reason["source"]
    assert set(result["exposure"]) == EXPOSURE | UNKNOWN_DOSES  # keys added, none renamed
    # Sessions on days 28-56 fall in the 30 days ending on day 56 (the latest date): 5 x 56 mg.
    assert result["exposure"]["sessions_last_30_days"] == 5
    assert result["exposure"]["mg_last_30_days"] == 280
    assert result["exposure"]["sessions_last_365_days"] == 13
    assert {key: result["exposure"][key] for key in UNKNOWN_DOSES} == dict.fromkeys(
        UNKNOWN_DOSES, 0
    )
    for item in result["surveillance_due"]:
        assert {"key", "label", "due_on", "status", "reason", "source"} <= set(item)


def test_sessions_of_unknown_dose_are_counted_beside_the_mg(tmp_path, capsys):
    data = history_json([], [0, (7, None), (14, None)], 7)
    code, out, err = run(tmp_path, capsys, data, "--json")
    assert code == 0, err
    exposure = json.loads(out)["exposure"]
    assert exposure["sessions_last_30_days"] == 3
    assert exposure["mg_last_30_days"] == 56  # the one known dose: a lower bound
    assert exposure["sessions_without_mg_last_30_days"] == 2
    assert exposure["sessions_without_mg_last_365_days"] == 2
    code, out, _ = run(tmp_path, capsys, data)
    assert "- 2 sessions in the last 30 days without a recorded dose" in out


REQUIRED = {"bladder_review", "liver_tests", "cognitive_screen", "misuse_review", "exposure_review"}
WEEKLY_YEAR = history_json([(0, 30), (357, 10)], [(7 * w, 40) for w in range(52)], 7)


@pytest.mark.parametrize(
    "protocol",
    [
        "iv-ketamine-bipolar-depression",
        "iv-ketamine-suicidal-ideation",
        "esketamine-mdsi-label",
        "iv-ketamine-ocd",
        "iv-ketamine-trd",
    ],
)
def test_a_year_of_weekly_sessions_lists_every_check_overdue(tmp_path, capsys, protocol):
    code, out, err = run(tmp_path, capsys, WEEKLY_YEAR, "--json", protocol=protocol)
    assert code == 0, err
    due = json.loads(out)["surveillance_due"]
    assert {item["key"] for item in due} == REQUIRED
    assert all(item["status"] == "overdue" for item in due)
    assert not any("default schedule" in item["reason"] for item in due)  # its own block


def test_the_same_history_gives_the_same_review(tmp_path, capsys):
    first = run(tmp_path, capsys, GOOD, "--json")[1]
    shuffled = dict(GOOD, administrations=list(reversed(GOOD["administrations"])))
    assert run(tmp_path, capsys, shuffled, "--json")[1] == first


def test_today_defaults_to_the_latest_date_and_can_be_given(tmp_path, capsys):
    code, out, _ = run(tmp_path, capsys, GOOD, "--json", "--today", "2026-01-26")
    assert code == 0
    assert json.loads(out)["state"] == "induction"  # day 21, before the later entries


def test_text_output_names_state_action_reasons_and_sources(tmp_path, capsys):
    code, out, _ = run(tmp_path, capsys, GOOD)
    assert code == 0
    assert "State: sustained_remission" in out
    assert "Recommendation: extend_interval" in out
    assert "Source: " in out and "Daly 2019" in out and "[@" not in out
    assert "Exposure: 5 sessions / 280 mg in 30 days" in out


def _bad(**changes):
    data = json.loads(json.dumps(GOOD))
    for path, value in changes.items():
        *parents, last = path.split("/")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is KeyError:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_bad(**{"administrations/2/total": 61}), "history.administrations[2].total"),
        (_bad(**{"administrations/2/total": "12"}), "history.administrations[2].total"),
        (_bad(**{"administrations/2/total": True}), "history.administrations[2].total"),
        (_bad(**{"administrations/2/total": KeyError}), "history.administrations[2].total"),
        (_bad(**{"administrations/0/date": "2026-13-01"}), "history.administrations[0].date"),
        (
            _bad(**{"administrations/1/instrument": "madrs2"}),
            "history.administrations[1].instrument",
        ),
        (_bad(**{"administrations/1/extra": 1}), "history.administrations[1].extra"),
        (_bad(**{"administrations/1": "madrs"}), "history.administrations[1]"),
        (_bad(**{"administrations": {}}), "history.administrations"),
        (_bad(**{"sessions/3/dose_mg": -56}), "history.sessions[3].dose_mg"),
        (_bad(**{"sessions/3/dose_mg": "56"}), "history.sessions[3].dose_mg"),
        (_bad(**{"sessions/3/date": None}), "history.sessions[3].date"),
        (_bad(**{"sessions": KeyError}), "history.sessions"),
        (_bad(**{"schedule/every_days": 0}), "history.schedule.every_days"),
        (_bad(**{"schedule/every_days": 7.5}), "history.schedule.every_days"),
        (_bad(**{"schedule": KeyError}), "history.schedule"),
        (_bad(**{"schedule/weeks": 1}), "history.schedule.weeks"),
        (_bad(**{"surprise": 1}), "history.surprise"),
        (_bad(**{"last_done": {"bladder_review": "soon"}}), "history.last_done.bladder_review"),
        ([], "history"),
        (
            _bad(**{"events": [{"date": "2026-02-01", "kind": "felt_low"}]}),
            "history.events[0].kind",
        ),
        (_bad(**{"events": [{"date": "2026-02-01"}]}), "history.events[0].kind"),
    ],
)
def test_bad_input_exits_2_naming_the_field(tmp_path, capsys, data, field):
    code, out, err = run(tmp_path, capsys, data, "--json")
    assert code == 2
    assert out == ""
    assert f"error: {field}:" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--protocol", "no-such-protocol"], "--protocol: unknown protocol"),
        (["--today", "yesterday"], "--today:"),
    ],
)
def test_bad_options_exit_2(tmp_path, capsys, args, words):
    path = tmp_path / "history.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    code = main(["--protocol", ESK, "--history", str(path), "--json", *args])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert words in err


def test_unreadable_or_invalid_files_exit_2(tmp_path, capsys):
    code, out, err = run(tmp_path, capsys, "{not json", "--json")
    assert (code, out) == (2, "") and "not valid JSON" in err
    code = main(["--protocol", ESK, "--history", str(tmp_path / "missing.json")])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "") and "cannot read history file" in err


def test_an_empty_history_needs_a_date(tmp_path, capsys):
    empty = {"administrations": [], "sessions": [], "schedule": {"every_days": 7}}
    code, out, err = run(tmp_path, capsys, empty, "--json")
    assert (code, out) == (2, "") and "--today" in err
    code, out, _ = run(tmp_path, capsys, empty, "--json", "--today", "2026-01-05")
    assert code == 0 and json.loads(out)["state"] == "induction"


def test_the_console_script_runs_it_without_django():
    import subprocess
    import sys

    code = (
        "import sys; from ketamine_care.__main__ import PURE_COMMANDS, _load;"
        "_load(PURE_COMMANDS['course-review']);"
        "import ketamine_care.courses.review;"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
