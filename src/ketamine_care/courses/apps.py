from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "ketamine_care.courses"
    label = "courses"
