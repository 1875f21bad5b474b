"""The token lookup compiled once per connection finds exactly what the ORM query finds (the
same membership, user and clinic with every field, the token's id and last use, or nothing),
whatever state the token, its user and their memberships are in."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import F, FilteredRelation, Q
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from ketamine_care.accounts.auth import token_membership
from ketamine_care.accounts.models import ApiToken, Clinic, Membership, Role, User
from ketamine_care.accounts.services import issue_api_token

STATES = st.fixed_dictionaries(
    {
        "revoked": st.booleans(),
        "user_active": st.booleans(),
        "membership": st.sampled_from(["active", "inactive", "none"]),
        "elsewhere": st.booleans(),  # also a member of another clinic
        "last_used": st.none() | st.datetimes(timezones=st.just(UTC)),
        "ask": st.sampled_from(["own", "other user's", "unknown"]),
    }
)


def orm_membership(token_hash: str) -> Membership | None:
    """The query as the ORM runs it, object by object: the reference."""
    token = FilteredRelation(
        "user__api_tokens",
        condition=Q(user__api_tokens__token_hash=token_hash, user__api_tokens__revoked_at=None),
    )
    return (
        Membership.objects.annotate(token=token)
        .filter(token__clinic_id=F("clinic_id"), is_active=True, user__is_active=True)
        .annotate(token_id=F("token__id"), token_used=F("token__last_used_at"))
        .select_related("user", "clinic")
        .first()
    )


def fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def described(membership: Membership | None):
    if membership is None:
        return None
    return (
        fields(membership),
        fields(membership.user),
        fields(membership.clinic),
        membership.token_id,
        membership.token_used,
        membership._state.db,
        membership.user._state.adding,
    )


class PreparedTokenQueryTests(TestCase):
    @settings(max_examples=40, deadline=None)
    @given(state=STATES)
    def test_the_prepared_query_finds_what_the_orm_finds(self, state):
        clinic = Clinic.objects.create(name="Token Clinic")
        other = Clinic.objects.create(name="Other Token Clinic")
        user = User.objects.create_user("rn@token.test", "pw", full_name="Nurse")
        peer = User.objects.create_user("peer@token.test", "pw", full_name="Peer")
        member = Membership.objects.create(user=user, clinic=clinic, role=Role.NURSE)
        peer_member = Membership.objects.create(user=peer, clinic=clinic, role=Role.PRESCRIBER)
        row, raw = issue_api_token(membership=member)
        _, peer_raw = issue_api_token(membership=peer_member)
        if state["elsewhere"]:
            Membership.objects.create(user=user, clinic=other, role=Role.PRESCRIBER)
        if state["membership"] == "inactive":
            Membership.objects.filter(pk=member.pk).update(is_active=False)
        elif state["membership"] == "none":
            Membership.objects.filter(pk=member.pk).delete()
        User.objects.filter(pk=user.pk).update(is_active=state["user_active"])
        ApiToken.objects.filter(pk=row.pk).update(
            revoked_at=datetime(2026, 1, 1, tzinfo=UTC) if state["revoked"] else None,
            last_used_at=state["last_used"],
        )
        asked = {"own": raw, "other user's": peer_raw, "unknown": "kc_unknown"}[state["ask"]]
        token_hash = ApiToken.hash_token(asked)
        expected = described(orm_membership(token_hash))
        self.assertEqual(described(token_membership(token_hash)), expected)
        # The second call runs the compiled query again: still the same answer.
        self.assertEqual(described(token_membership(token_hash)), expected)
        usable = (
            state["ask"] == "other user's"
            or state["ask"] == "own"
            and not state["revoked"]
            and state["user_active"]
            and state["membership"] == "active"
        )
        self.assertEqual(expected is not None, usable)
