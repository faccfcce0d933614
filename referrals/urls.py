"""The referrals pages: the partner directory, referrals out and in, and the partner's link page."""

from referrals.views import directory, incoming, partner, referrals

urlpatterns = [
    *directory.urlpatterns,
    *referrals.urlpatterns,
    *incoming.urlpatterns,
    *partner.urlpatterns,
]
