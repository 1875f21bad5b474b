from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ketamine_care.core.units import bmi, in_to_cm, kg_to_lb, lb_to_kg


def test_known_conversions():
    assert lb_to_kg("180") == Decimal("81.65")
    assert lb_to_kg("1") == Decimal("0.45")
    assert in_to_cm("70") == Decimal("177.8")
    assert kg_to_lb("100") == Decimal("220.5")
    assert bmi(Decimal("82"), Decimal("180")) == Decimal("25.3")
    assert bmi(None, Decimal("180")) is None
    assert bmi(Decimal("82"), None) is None


@given(st.decimals(min_value=1, max_value=1100, places=1))
def test_pound_round_trip_stays_within_rounding(pounds):
    assert abs(kg_to_lb(lb_to_kg(pounds)) - pounds) <= Decimal("0.1")


@given(
    st.decimals(min_value=1, max_value=1000, places=2),
    st.decimals(min_value=1, max_value=1000, places=2),
)
def test_conversion_is_monotonic(a, b):
    if a <= b:
        assert lb_to_kg(a) <= lb_to_kg(b)
        assert in_to_cm(a) <= in_to_cm(b)
