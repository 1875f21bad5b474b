from ketamine_care.core.management.pure import pure_command

Command = pure_command("screen", "Screen a patient's facts against a protocol's eligibility rules")
