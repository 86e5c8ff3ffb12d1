"""My Account lists the next visits and says how many more are scheduled, however many there are."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import FacilityFactory, IncarceratedPersonFactory, SessionFactory
from video.templatetags.video_tags import SESSIONS_SHOWN


@pytest.mark.django_db
def test_only_the_next_visits_are_listed_with_a_count_of_the_rest(member, account):
    facility = FacilityFactory()
    inmate = IncarceratedPersonFactory(facility=facility)
    start = timezone.now() + datetime.timedelta(hours=1)
    for i in range(SESSIONS_SHOWN + 5):
        SessionFactory(
            account=account, facility=facility, inmate=inmate, scheduled_at=start + datetime.timedelta(days=i)
        )

    page = member.get(reverse("deletion:home")).content.decode()

    assert page.count(">Cancel visit<span") == SESSIONS_SHOWN
    assert "5 more visits scheduled after these" in page
