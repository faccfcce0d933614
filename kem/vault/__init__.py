"""The personal-data vault: sealed fields, per-person keys, blind indexes, rotation, shredding.

Every value of a sealed field is AES-256-GCM sealed with the data key of the person it is about,
bound to its table, column and row; docs/SECURITY.md explains the key hierarchy.

Using it in an app
------------------
A model with personal data about a beneficiary (a session note, a referral reason)::

    from kem.vault.fields import SealedTextField
    from kem.vault.models import SealedModel

    class Session(SealedModel):                # UUID primary key: the row id is sealed in
        case = models.ForeignKey(Case, on_delete=models.PROTECT)
        notes = SealedTextField(blank=True)
        vault_owner = "case.beneficiary"       # attribute path to the person whose key seals it

        history = HistoricalRecords()          # history rows copy the envelopes only

Rules:
- models with sealed fields use a UUID primary key made by the client (``SealedModel`` gives one);
- ``vault_owner`` leads to a ``VaultPerson`` (``"self"`` on the person model itself); list pages
  ``select_related`` along it (``Session.objects.select_related("case__beneficiary__person_key")``)
  so opening a page of rows costs no query per row;
- sealed fields are ``SealedTextField``, ``SealedCharField(max_length=...)``, ``SealedDateField``,
  ``SealedBooleanField`` and ``SealedJSONField`` (``pad_to=`` makes every envelope of the column one
  length); ``obj.notes`` is the plaintext, ``obj.notes_sealed`` the envelope;
- facts that statistics count without opening anyone are kept apart under a keyed pseudonym of
  the row id (``kem.vault.pseudonyms``), never beside the person;
- the database cannot compare sealed values: any lookup but ``__isnull`` raises
  ``SealedLookupError``, and ordering by them is meaningless. Find people with
  ``kem.vault.search.search_people(query, queryset=...)``;
- a sealed field added to an existing table must be ``null=True`` (a migration cannot seal);
- ``bulk_update`` does not seal: use ``save()``; ``people_bulk_create`` for bulk inserts of people;
- opening fails loudly (``VaultError`` subclasses), never with ciphertext or an empty string;
- unwrapped keys live for one request (``KeyCacheMiddleware``) or one ``with key_cache():``
  block in tasks and commands; pass ids, never plaintext, to tasks;
- ``dumpdata`` writes plaintext and cannot be loaded back: back up with ``pg_dump``;
- ``rekey.rekey_person`` (``manage.py vault_rekey``) gives a person a new data key and reseals
  their rows and history rows by following ``vault_owner``: a model whose sealed values belong
  to a person must lead there through ``vault_owner``, or re-keying will not find them.
"""

from kem.vault.keycache import key_cache

__all__ = ["key_cache"]
