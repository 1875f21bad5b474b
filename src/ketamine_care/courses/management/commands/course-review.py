from ketamine_care.core.management.pure import pure_command
from ketamine_care.courses.cli import main

Command = pure_command(
    "course-review", "Review a treatment course: its state and the maintenance recommendation", main
)
