from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "ketamine_care.dosing"
    label = "dosing"

    def ready(self) -> None:
        # A patient on a treatment plan is scored with the instrument definitions the plan's
        # protocol version pinned; instruments sits below dosing, so dosing registers it.
        from ketamine_care.dosing.pins import pinned_instrument_for
        from ketamine_care.instruments.services import register_pin_finder

        register_pin_finder(pinned_instrument_for)
