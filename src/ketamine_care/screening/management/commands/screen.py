from ketamine_care.core.management.pure import pure_command
from ketamine_care.screening.cli import main

Command = pure_command(
    "screen", "Screen a patient's facts against a protocol's eligibility rules", main
)
