"""Partner organisations and their services, referrals and their outcomes."""
