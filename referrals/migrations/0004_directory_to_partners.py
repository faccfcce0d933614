"""The partner directory now lives in the partners app: point the referrals' foreign keys there.

State only, like ``partners.0001``: the columns and their constraints do not change.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0003_c_statistics_indexes"),
        ("partners", "0001_initial"),
        ("kem", "0008_consent_organisation_partners"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="referral",
                    name="service",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="referrals",
                        to="partners.partnerservice",
                        verbose_name="service",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalreferral",
                    name="service",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="partners.partnerservice",
                        verbose_name="service",
                    ),
                ),
                migrations.AlterField(
                    model_name="incomingreferral",
                    name="organisation",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="referred_in",
                        to="partners.organisation",
                        verbose_name="referring organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalincomingreferral",
                    name="organisation",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="partners.organisation",
                        verbose_name="referring organisation",
                    ),
                ),
                migrations.DeleteModel(name="HistoricalPartnerService"),
                migrations.DeleteModel(name="PartnerService"),
                migrations.DeleteModel(name="HistoricalOrganisation"),
                migrations.DeleteModel(name="Organisation"),
            ],
            database_operations=[],
        ),
    ]
