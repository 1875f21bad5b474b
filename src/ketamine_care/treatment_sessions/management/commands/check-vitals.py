from ketamine_care.core.management.pure import pure_command
from ketamine_care.treatment_sessions.cli import main

Command = pure_command("check-vitals", "Evaluate in-session alerts and discharge readiness", main)
