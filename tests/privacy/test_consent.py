import pytest
from django.core.exceptions import ValidationError

from ecrm_oscar.privacy import purposes, registry, services
from ecrm_oscar.privacy.models import ConsentRecord
from ecrm_oscar.privacy.purposes import get_purpose, register_purpose
from ecrm_oscar.testing.factories import create_customer

pytestmark = pytest.mark.django_db


def test_no_record_means_the_purpose_default():
    user = create_customer(email="ann@example.com")
    assert get_purpose("marketing_email").default is False
    assert services.has_consent("marketing_email", user=user) is False


def test_newest_record_wins_and_older_ones_stay_as_proof():
    user = create_customer(email="ann@example.com")
    services.record_consent("marketing_email", True, source="registration", user=user)
    assert services.has_consent("marketing_email", user=user) is True
    services.record_consent("marketing_email", False, source="unsubscribe", user=user)
    assert services.has_consent("marketing_email", user=user) is False
    assert [r.source for r in services.consent_history(user)] == ["unsubscribe", "registration"]


def test_email_records_count_for_the_user_with_that_address_case_insensitively():
    services.record_consent("marketing_email", True, source="checkout", email=" Bob@Example.COM ")
    user = create_customer(email="bob@example.com")
    assert services.has_consent("marketing_email", user=user) is True
    assert services.has_consent("marketing_email", email="BOB@example.com") is True
    # An unsubscribe link that only knew the address withdraws the user's consent too.
    services.record_consent("marketing_email", False, source="unsubscribe", email="bob@example.com")
    assert services.has_consent("marketing_email", user=user) is False


def test_current_consents_lists_every_purpose_in_one_query(django_assert_num_queries):
    user = create_customer(email="cy@example.com")
    services.record_consent("tracking", True, source="banner", user=user)
    with django_assert_num_queries(1):
        answers = services.current_consents(user)
    assert answers["tracking"] is True
    assert answers["marketing_email"] is False


@pytest.mark.parametrize(
    ("purpose", "source", "email", "error"),
    [
        ("marketing_emial", "preferences", "a@b.com", ValueError),
        ("marketing_email", "carrier-pigeon", "a@b.com", ValueError),
        ("marketing_email", "preferences", "not an email", ValidationError),
        ("marketing_email", "preferences", None, ValidationError),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(purpose, source, email, error):
    with pytest.raises(error):
        services.record_consent(purpose, True, source=source, email=email)
    assert not ConsentRecord.objects.exists()


def test_consented_user_ids_uses_each_users_newest_record(django_assert_max_num_queries):
    yes, no, never = (create_customer(email=f"{n}@example.com") for n in ("yes", "no", "never"))
    services.record_consent("marketing_email", False, source="registration", user=yes)
    services.record_consent("marketing_email", True, source="preferences", user=yes)
    services.record_consent("marketing_email", True, source="registration", user=no)
    services.record_consent("marketing_email", False, source="unsubscribe", user=no)
    ids = [yes.pk, no.pk, never.pk]
    with django_assert_max_num_queries(2):
        assert services.consented_user_ids("marketing_email", ids, chunk_size=2) == {yes.pk}


def test_apps_can_register_purposes():
    register_purpose("sms", "Text messages", default=False)
    try:
        user = create_customer(email="dee@example.com")
        services.record_consent("sms", True, source="preferences", user=user)
        assert services.has_consent("sms", user=user)
    finally:
        purposes._PURPOSES.pop("sms")
    with pytest.raises(ValueError):
        register_purpose("bad key!", "x")


def test_privacy_registry_exports_and_erases_consents():
    user = create_customer(email="eve@example.com")
    services.record_consent("marketing_email", True, source="registration", user=user)
    services.record_consent("tracking", True, source="banner", email="eve@example.com")
    assert "ecrm_privacy" in dict(registry.providers())
    exported = registry.export_user(user)["ecrm_privacy"]["consents"]
    assert {c["purpose"] for c in exported} == {"marketing_email", "tracking"}
    assert registry.erase_user(user)["ecrm_privacy"] == {"ConsentRecord": 2}
    assert registry.erase_user(user)["ecrm_privacy"] == {"ConsentRecord": 0}
    assert not ConsentRecord.objects.exists()
