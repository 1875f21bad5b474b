from ketamine_care.core.management.pure import pure_command
from ketamine_care.instruments.cli import main

Command = pure_command("score", "Score one rating-scale administration", main)
