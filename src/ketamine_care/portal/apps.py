from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ketamine_care.portal"
    label = "portal"
