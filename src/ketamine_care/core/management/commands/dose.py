from ketamine_care.core.management.pure import pure_command

Command = pure_command("dose", "Compute a dose under a protocol's dosing rules")
