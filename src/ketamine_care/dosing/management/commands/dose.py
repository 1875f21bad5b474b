from ketamine_care.core.management.pure import pure_command
from ketamine_care.dosing.cli import dose_main

Command = pure_command("dose", "Compute a dose under a protocol's dosing rules", dose_main)
