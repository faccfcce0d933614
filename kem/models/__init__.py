"""The kem app's models, one module per concern; import them from here.

- :mod:`kem.models.centres`: centres, staff memberships, roles and disciplines;
- :mod:`kem.models.beneficiaries`: the beneficiary, sealed personal data and plain categories;
- :mod:`kem.models.facts`: special-category facts under pseudonyms, what statistics count;
- :mod:`kem.models.people`: what surrounds a person: consent, households, duplicate decisions, merges;
- :mod:`kem.models.imports`: spreadsheet imports and their column mappings;
- :mod:`kem.models.downloads`: files made in the background for the person who asked;
- :mod:`kem.models.access_log`: the append-only record of every look at personal data.

The vault's own tables (person keys, index keys, blind-index entries) belong to the vault, an app
of its own below the registry (:mod:`kem.vault.models`, app label ``vault``).
"""

from kem.models.access_log import AccessEvent, AccessEventQuerySet, AccessLogIsAppendOnly, RevealReason
from kem.models.beneficiaries import Beneficiary, BeneficiaryManager, BeneficiaryQuerySet
from kem.models.centres import (
    Centre,
    CentreGroupObjectPermission,
    CentrePerm,
    CentreUserObjectPermission,
    Discipline,
    Membership,
    MembershipQuerySet,
    Role,
)
from kem.models.downloads import DownloadJob, DownloadKind, DownloadStatus
from kem.models.facts import SpecialCategoryFact
from kem.models.imports import ImportJob, ImportMapping, ImportMode, ImportStatus
from kem.models.people import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    ConsentQuerySet,
    ConsentStatus,
    DuplicateDecision,
    Household,
    HouseholdMember,
    MergeRecord,
    Relationship,
)

__all__ = [
    "AccessEvent",
    "AccessEventQuerySet",
    "AccessLogIsAppendOnly",
    "Beneficiary",
    "BeneficiaryManager",
    "BeneficiaryQuerySet",
    "Centre",
    "CentreGroupObjectPermission",
    "CentrePerm",
    "CentreUserObjectPermission",
    "Consent",
    "ConsentMethod",
    "ConsentPurpose",
    "ConsentQuerySet",
    "ConsentStatus",
    "Discipline",
    "DownloadJob",
    "DownloadKind",
    "DownloadStatus",
    "DuplicateDecision",
    "Household",
    "HouseholdMember",
    "ImportJob",
    "ImportMapping",
    "ImportMode",
    "ImportStatus",
    "Membership",
    "MembershipQuerySet",
    "MergeRecord",
    "Relationship",
    "RevealReason",
    "Role",
    "SpecialCategoryFact",
]
