"""Writes of the kem app, one module per concern; import the functions from here."""

from kem.services.beneficiaries import DuplicateFound, beneficiary_register, beneficiary_update
from kem.services.staff import centre_create, membership_grant, membership_revoke, staff_account_create

__all__ = [
    "DuplicateFound",
    "beneficiary_register",
    "beneficiary_update",
    "centre_create",
    "membership_grant",
    "membership_revoke",
    "staff_account_create",
]
