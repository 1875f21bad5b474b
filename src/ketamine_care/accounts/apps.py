from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketamine_care.accounts"
    label = "accounts"

    def ready(self) -> None:
        from ketamine_care.accounts import labels, mail_jobs  # mail_jobs registers its jobs

        labels.register()
        del mail_jobs
