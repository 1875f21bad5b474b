"""`{{ calculated|weight_used }}`: the weight a dose was calculated on, in the clinic's words
("ideal body weight 61.4 kg"), from a calculated dose (the calculator's JSON) or a recorded
dose; "" when it is not recorded."""

from collections.abc import Mapping

from django import template

from ketamine_care.dosing.labels import weight_used as words

register = template.Library()


@register.filter
def weight_used(value) -> str:
    if isinstance(value, Mapping):
        return words(value.get("weight_basis"), value.get("weight_used_kg"))
    return words(getattr(value, "weight_basis", None), getattr(value, "weight_used_kg", None))
