from ketamine_care.core.management.pure import pure_command

Command = pure_command("check-vitals", "Evaluate in-session alerts and discharge readiness")
