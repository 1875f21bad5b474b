from ketamine_care.core.management.pure import pure_command

Command = pure_command("score", "Score one rating-scale administration")
