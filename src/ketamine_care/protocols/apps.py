from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "ketamine_care.protocols"
    label = "protocols"
