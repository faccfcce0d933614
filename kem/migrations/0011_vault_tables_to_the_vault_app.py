"""The vault's tables now belong to the vault app: a person's key points at ``vault.PersonKey``.

State only, like ``vault.0001``: the columns and their constraints do not change.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kem", "0010_grant_centre_permissions"),
        ("vault", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="beneficiary",
                    name="person_key",
                    field=models.OneToOneField(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="vault.personkey",
                        verbose_name="person key",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalbeneficiary",
                    name="person_key",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="vault.personkey",
                        verbose_name="person key",
                    ),
                ),
                migrations.DeleteModel(name="BlindIndexEntry"),
                migrations.DeleteModel(name="IndexKey"),
                migrations.DeleteModel(name="PersonKey"),
            ],
            database_operations=[],
        ),
    ]
