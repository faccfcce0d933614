"""Centres, staff and roles, beneficiaries, the personal-data vault, access log and statistics."""
