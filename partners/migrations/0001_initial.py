"""The partner directory leaves the referrals app for an app of its own, below the registry.

State only: the tables stay where they are (``referrals_*``) until ``partners.0002`` renames them,
after ``referrals.0004`` and ``kem.0008`` have pointed their foreign keys here. No row moves.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("referrals", "0003_c_statistics_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Organisation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name_el', models.CharField(max_length=200, verbose_name='name (Greek)')),
                        ('name_en', models.CharField(max_length=200, verbose_name='name (English)')),
                        ('type', models.CharField(choices=[('international', 'International organisation'), ('ngo', 'NGO'), ('public', 'Public service'), ('municipal', 'Municipal service')], max_length=20, verbose_name='type')),
                        ('address', models.CharField(blank=True, max_length=300, verbose_name='address')),
                        ('area_served', models.CharField(blank=True, max_length=200, verbose_name='area served')),
                        ('contact_name', models.CharField(blank=True, max_length=150, verbose_name='contact person')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='contact e-mail')),
                        ('phone', models.CharField(blank=True, max_length=40, verbose_name='contact phone')),
                        ('website', models.URLField(blank=True, verbose_name='website')),
                        ('languages', models.JSONField(blank=True, default=list, verbose_name='languages spoken')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                    ],
                    options={
                        'db_table': 'referrals_organisation',
                        'verbose_name': 'partner organisation',
                        'verbose_name_plural': 'partner organisations',
                        'ordering': ['name_el'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalOrganisation',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('name_el', models.CharField(max_length=200, verbose_name='name (Greek)')),
                        ('name_en', models.CharField(max_length=200, verbose_name='name (English)')),
                        ('type', models.CharField(choices=[('international', 'International organisation'), ('ngo', 'NGO'), ('public', 'Public service'), ('municipal', 'Municipal service')], max_length=20, verbose_name='type')),
                        ('address', models.CharField(blank=True, max_length=300, verbose_name='address')),
                        ('area_served', models.CharField(blank=True, max_length=200, verbose_name='area served')),
                        ('contact_name', models.CharField(blank=True, max_length=150, verbose_name='contact person')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='contact e-mail')),
                        ('phone', models.CharField(blank=True, max_length=40, verbose_name='contact phone')),
                        ('website', models.URLField(blank=True, verbose_name='website')),
                        ('languages', models.JSONField(blank=True, default=list, verbose_name='languages spoken')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'referrals_historicalorganisation',
                        'verbose_name': 'historical partner organisation',
                        'verbose_name_plural': 'historical partner organisations',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='PartnerService',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name_el', models.CharField(max_length=200, verbose_name='name (Greek)')),
                        ('name_en', models.CharField(max_length=200, verbose_name='name (English)')),
                        ('category', models.CharField(choices=[('legal_aid', 'Legal aid'), ('asylum_procedure', 'Asylum procedure'), ('documents', 'Documents and residence permits'), ('clinic', 'Clinic'), ('pharmacy', 'Pharmacy'), ('mental_health', 'Mental health'), ('social_grocery', 'Social grocery'), ('social_services', 'Social services'), ('child_protection', 'Child protection'), ('shelter', 'Shelter'), ('rent_subsidy', 'Rent subsidy'), ('housing_programme', 'Housing programme'), ('language_classes', 'Language classes'), ('school', 'School enrolment'), ('vocational_training', 'Vocational training'), ('job_placement', 'Job placement'), ('unemployment_registration', 'Unemployment registration'), ('entrepreneurship', 'Entrepreneurship')], max_length=30, verbose_name='category')),
                        ('area', models.CharField(choices=[('legal', 'Legal support'), ('health_social', 'Health and social services'), ('housing', 'Housing'), ('education', 'Education'), ('labour', 'Labour market')], editable=False, max_length=20, verbose_name='working area')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='services', to='partners.organisation', verbose_name='organisation')),
                    ],
                    options={
                        'db_table': 'referrals_partnerservice',
                        'verbose_name': 'partner service',
                        'verbose_name_plural': 'partner services',
                        'ordering': ['organisation__name_el', 'name_el'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalPartnerService',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('name_el', models.CharField(max_length=200, verbose_name='name (Greek)')),
                        ('name_en', models.CharField(max_length=200, verbose_name='name (English)')),
                        ('category', models.CharField(choices=[('legal_aid', 'Legal aid'), ('asylum_procedure', 'Asylum procedure'), ('documents', 'Documents and residence permits'), ('clinic', 'Clinic'), ('pharmacy', 'Pharmacy'), ('mental_health', 'Mental health'), ('social_grocery', 'Social grocery'), ('social_services', 'Social services'), ('child_protection', 'Child protection'), ('shelter', 'Shelter'), ('rent_subsidy', 'Rent subsidy'), ('housing_programme', 'Housing programme'), ('language_classes', 'Language classes'), ('school', 'School enrolment'), ('vocational_training', 'Vocational training'), ('job_placement', 'Job placement'), ('unemployment_registration', 'Unemployment registration'), ('entrepreneurship', 'Entrepreneurship')], max_length=30, verbose_name='category')),
                        ('area', models.CharField(choices=[('legal', 'Legal support'), ('health_social', 'Health and social services'), ('housing', 'Housing'), ('education', 'Education'), ('labour', 'Labour market')], editable=False, max_length=20, verbose_name='working area')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='partners.organisation', verbose_name='organisation')),
                    ],
                    options={
                        'db_table': 'referrals_historicalpartnerservice',
                        'verbose_name': 'historical partner service',
                        'verbose_name_plural': 'historical partner services',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
            ],
            database_operations=[],
        ),
    ]
