from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "ketamine_care.courses"
    label = "courses"

    def ready(self) -> None:
        from ketamine_care.courses import labels

        labels.register()
        # The chart (patients) and the plan page (dosing) sit below courses: courses registers
        # its course-review section into both.
        from ketamine_care.core.sections import PATIENT_CHART, TREATMENT_PLAN, register_section
        from ketamine_care.courses.chart import chart_section, plan_section

        register_section(
            PATIENT_CHART,
            "course_review",
            template="courses/_course_review.html",
            context=chart_section,
            order=25,
        )
        register_section(
            TREATMENT_PLAN,
            "course_review",
            template="courses/_course_review.html",
            context=plan_section,
            order=10,
        )
