from ketamine_care.core.management.pure import pure_command
from ketamine_care.dosing.cli import plan_main

Command = pure_command("plan", "Plan a treatment course under a protocol", plan_main)
