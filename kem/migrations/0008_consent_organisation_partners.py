"""A referral consent names an organisation of the partners app's directory (state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kem", "0007_downloadjob"),
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="consent",
                    name="organisation",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="consents",
                        to="partners.organisation",
                        verbose_name="partner organisation (directory)",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalconsent",
                    name="organisation",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="partners.organisation",
                        verbose_name="partner organisation (directory)",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
