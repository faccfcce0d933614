"""Special-category data (vulnerabilities, disability) sealed on the person, and counted as facts.

Steps: the plaintext columns are renamed ``*_plain``; sealed columns take their names (added
without a default: a sealed default cannot be written by ``ALTER TABLE``); every row of the
person table and its history table is sealed with the person's own key (``seal_existing``);
each live, unmerged person's facts are written under their pseudonym; the plaintext columns are
dropped.

Sealing in a migration: the historical models give the rows, and the vault's crypto functions
(``kem.vault.crypto``, the root keyring) seal them exactly as ``SealedField.pre_save`` would, with
the same associated data (table, column, row id); the values are encoded by the field classes
themselves. Nothing of the current model code (``save()``, descriptors) runs, so later changes
to the models cannot change what this migration does. A database with people needs the root key
(``KEM_ROOT_KEY``) to migrate, like the web app needs it to start. Shredded people's values are
dropped (NULL): their key is gone, and their plaintext must not survive. Reversible: going back
opens the envelopes into the plaintext columns again.
"""

import hashlib
import hmac
import json
import uuid

from django.db import migrations, models

import kem.vault.fields

TABLE = "kem_beneficiary"
PERSON_LABEL = "kem_beneficiary"  # kem.models.facts.PERSON_LABEL
DISABILITY = "disability"  # kem.models.facts.DISABILITY
PSEUDONYM_VERSION = 1  # kem.vault.pseudonyms.VERSION
PSEUDONYM_INFO = b"kem/v1/pseudonym"  # kem.vault.pseudonyms.INFO
PAD_TO = 256


def _encode_list(value):
    data = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
    width = max(1, -(-len(data) // PAD_TO)) * PAD_TO
    return data.ljust(width, b" ")


def _encode_bool(value):
    return b"1" if value else b"0"


class _Keys:
    """Person sealers by person-key id, unwrapped once each; None for a shredded person."""

    def __init__(self, apps):
        self.person_keys = apps.get_model("vault", "PersonKey")
        self.cache = {}

    def sealer(self, person_key_id):
        if person_key_id not in self.cache:
            from kem.vault import crypto
            from kem.vault.keyring import root_keyring

            row = self.person_keys.objects.get(pk=person_key_id)
            if row.wrapped_key is None or row.shredded_at is not None:
                self.cache[person_key_id] = None
            else:
                key = root_keyring().open(row.wrapped_key, context=f"kem_vault_personkey:{row.pk}")
                # Envelopes name a person's key by its generation (vault.0003), as PersonKey.label does.
                self.cache[person_key_id] = crypto.Sealer.for_key(
                    key, info=crypto.INFO_SEAL, label=f"g{row.generation}"
                )
        return self.cache[person_key_id]


def _pseudonymiser(apps):
    from kem.vault import crypto
    from kem.vault.keyring import root_keyring

    keys = apps.get_model("vault", "PseudonymKey")
    row = keys.objects.filter(version=PSEUDONYM_VERSION).first()
    if row is None:
        row = keys(version=PSEUDONYM_VERSION)
        ring = root_keyring()
        row.wrapped_key = ring.current.seal(crypto.new_key(), context=f"kem_vault_pseudonymkey:{PSEUDONYM_VERSION}")
        row.root_key_id = ring.current.kid
        row.save()
    key = crypto.derive(
        root_keyring().open(row.wrapped_key, context=f"kem_vault_pseudonymkey:{PSEUDONYM_VERSION}"),
        PSEUDONYM_INFO,
    )
    return lambda pk: hmac.new(key, f"{PERSON_LABEL}:{pk}".encode(), hashlib.sha256).hexdigest()


def _sealed(sealer, pk, vulnerabilities, disability):
    if sealer is None:
        return None, None
    return (
        sealer.seal(_encode_list(list(vulnerabilities or [])), context=f"{TABLE}.vulnerabilities:{pk}"),
        sealer.seal(_encode_bool(bool(disability)), context=f"{TABLE}.disability:{pk}"),
    )


def seal_existing(apps, schema_editor):
    people = apps.get_model("kem", "Beneficiary")
    history = apps.get_model("kem", "HistoricalBeneficiary")
    facts = apps.get_model("kem", "SpecialCategoryFact")
    if not people.objects.exists() and not history.objects.exists():
        return
    keys = _Keys(apps)
    pseudonym = None
    rows = people.objects.order_by().values_list(
        "pk", "person_key_id", "vulnerabilities_plain", "disability_plain", "merged_into_id"
    )
    new_facts = []
    for pk, person_key_id, vulnerabilities, disability, merged_into_id in rows.iterator(chunk_size=500):
        sealer = keys.sealer(person_key_id)
        sealed_v, sealed_d = _sealed(sealer, pk, vulnerabilities, disability)
        people.objects.filter(pk=pk).update(vulnerabilities=sealed_v, disability=sealed_d)
        if sealer is None or merged_into_id is not None:
            continue
        categories = {str(c) for c in vulnerabilities or [] if c} | ({DISABILITY} if disability else set())
        if categories:
            pseudonym = pseudonym or _pseudonymiser(apps)
            new_facts += [facts(id=uuid.uuid4(), pseudonym=pseudonym(pk), category=c) for c in sorted(categories)]
    # In pseudonym order, so that the order of the facts says nothing about the order of people.
    new_facts.sort(key=lambda fact: (fact.pseudonym, fact.category))
    facts.objects.bulk_create(new_facts, batch_size=1000)
    person_key_of = dict(people.objects.values_list("pk", "person_key_id"))
    rows = history.objects.order_by().values_list("history_id", "id", "vulnerabilities_plain", "disability_plain")
    for history_id, pk, vulnerabilities, disability in rows.iterator(chunk_size=500):
        person_key_id = person_key_of.get(pk)
        sealer = keys.sealer(person_key_id) if person_key_id else None
        sealed_v, sealed_d = _sealed(sealer, pk, vulnerabilities, disability)
        history.objects.filter(history_id=history_id).update(
            vulnerabilities_sealed=sealed_v, disability_sealed=sealed_d
        )


def open_existing(apps, schema_editor):
    """Backwards: the sealed values back into plaintext columns (shredded people: empty)."""
    people = apps.get_model("kem", "Beneficiary")
    history = apps.get_model("kem", "HistoricalBeneficiary")
    apps.get_model("kem", "SpecialCategoryFact").objects.all().delete()
    if not people.objects.exists():
        return
    keys = _Keys(apps)

    def opened(sealer, pk, sealed_v, sealed_d):
        if sealer is None or sealed_v is None:
            return [], False
        vulnerabilities = json.loads(sealer.open(sealed_v, context=f"{TABLE}.vulnerabilities:{pk}"))
        disability = sealed_d is not None and sealer.open(sealed_d, context=f"{TABLE}.disability:{pk}") == b"1"
        return vulnerabilities, disability

    person_key_of = {}
    for pk, person_key_id, sealed_v, sealed_d in people.objects.order_by().values_list(
        "pk", "person_key_id", "vulnerabilities", "disability"
    ):
        person_key_of[pk] = person_key_id
        vulnerabilities, disability = opened(keys.sealer(person_key_id), pk, sealed_v, sealed_d)
        people.objects.filter(pk=pk).update(vulnerabilities_plain=vulnerabilities, disability_plain=disability)
    for history_id, pk, sealed_v, sealed_d in history.objects.order_by().values_list(
        "history_id", "id", "vulnerabilities_sealed", "disability_sealed"
    ):
        person_key_id = person_key_of.get(pk)
        sealer = keys.sealer(person_key_id) if person_key_id else None
        vulnerabilities, disability = opened(sealer, pk, sealed_v, sealed_d)
        history.objects.filter(history_id=history_id).update(
            vulnerabilities_plain=vulnerabilities, disability_plain=disability
        )


class Migration(migrations.Migration):
    dependencies = [
        ("kem", "0014_merge_record_moved_may_be_empty"),
        ("vault", "0005_pseudonym_key"),
    ]

    operations = [
        migrations.RenameField("beneficiary", "vulnerabilities", "vulnerabilities_plain"),
        migrations.RenameField("beneficiary", "disability", "disability_plain"),
        migrations.RenameField("historicalbeneficiary", "vulnerabilities", "vulnerabilities_plain"),
        migrations.RenameField("historicalbeneficiary", "disability", "disability_plain"),
        migrations.AddField(
            model_name="beneficiary",
            name="vulnerabilities",
            field=kem.vault.fields.SealedJSONField(blank=True, null=True, pad_to=256, verbose_name="vulnerabilities"),
        ),
        migrations.AddField(
            model_name="beneficiary",
            name="disability",
            field=kem.vault.fields.SealedBooleanField(blank=True, null=True, verbose_name="has a disability"),
        ),
        migrations.AddField(
            model_name="historicalbeneficiary",
            name="vulnerabilities_sealed",
            field=kem.vault.fields.SealedJSONField(
                blank=True, db_column="vulnerabilities", null=True, pad_to=256, verbose_name="vulnerabilities"
            ),
        ),
        migrations.AddField(
            model_name="historicalbeneficiary",
            name="disability_sealed",
            field=kem.vault.fields.SealedBooleanField(
                blank=True, db_column="disability", null=True, verbose_name="has a disability"
            ),
        ),
        migrations.CreateModel(
            name="SpecialCategoryFact",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("pseudonym", models.CharField(editable=False, max_length=64, verbose_name="pseudonym")),
                ("category", models.CharField(editable=False, max_length=40, verbose_name="category")),
            ],
            options={
                "verbose_name": "special-category fact",
                "verbose_name_plural": "special-category facts",
                "constraints": [models.UniqueConstraint(fields=("pseudonym", "category"), name="special_fact_once")],
            },
        ),
        migrations.RunPython(seal_existing, open_existing, elidable=False),
        migrations.RemoveField("beneficiary", "vulnerabilities_plain"),
        migrations.RemoveField("beneficiary", "disability_plain"),
        migrations.RemoveField("historicalbeneficiary", "vulnerabilities_plain"),
        migrations.RemoveField("historicalbeneficiary", "disability_plain"),
        # The defaults of new rows (Python-side only: a sealed default has no SQL form).
        migrations.AlterField(
            model_name="beneficiary",
            name="vulnerabilities",
            field=kem.vault.fields.SealedJSONField(
                blank=True, default=list, null=True, pad_to=256, verbose_name="vulnerabilities"
            ),
        ),
        migrations.AlterField(
            model_name="beneficiary",
            name="disability",
            field=kem.vault.fields.SealedBooleanField(
                blank=True, default=False, null=True, verbose_name="has a disability"
            ),
        ),
        migrations.AlterField(
            model_name="historicalbeneficiary",
            name="vulnerabilities_sealed",
            field=kem.vault.fields.SealedJSONField(
                blank=True, db_column="vulnerabilities", default=list, null=True, pad_to=256,
                verbose_name="vulnerabilities",
            ),
        ),
        migrations.AlterField(
            model_name="historicalbeneficiary",
            name="disability_sealed",
            field=kem.vault.fields.SealedBooleanField(
                blank=True, db_column="disability", default=False, null=True, verbose_name="has a disability"
            ),
        ),
    ]
