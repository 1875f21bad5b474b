from ketamine_care.core.management.pure import pure_command

Command = pure_command("plan", "Plan a treatment course under a protocol")
