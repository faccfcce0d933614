"""Reads of the kem app that need thought, scoped to the user; one module per concern."""

from kem.selectors.staff import HomePanel, centre_staff, home_panels, staff_counts

__all__ = ["HomePanel", "centre_staff", "home_panels", "staff_counts"]
