"""The vault's tables become the vault app's (label ``vault``): they were kem's until now.

State only: the tables keep their names (``kem_vault_*``), no row moves; ``kem.0011`` points the
person's key at ``vault.PersonKey`` and forgets the old models, ``vault.0002`` moves the content
types.
"""

import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("kem", "0010_grant_centre_permissions")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='IndexKey',
                    fields=[
                        ('version', models.PositiveSmallIntegerField(primary_key=True, serialize=False, verbose_name='version')),
                        ('wrapped_key', models.TextField(editable=False, verbose_name='wrapped key')),
                        ('root_key_id', models.CharField(db_index=True, editable=False, max_length=16, verbose_name='root key id')),
                        ('state', models.CharField(choices=[('building', 'building'), ('active', 'active'), ('retired', 'retired')], max_length=10, verbose_name='state')),
                        ('progress', models.JSONField(blank=True, default=dict, verbose_name='re-indexing progress')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                    ],
                    options={
                        'verbose_name': 'blind-index key',
                        'verbose_name_plural': 'blind-index keys',
                        'db_table': 'kem_vault_indexkey',
                    },
                ),
                migrations.CreateModel(
                    name='PersonKey',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('wrapped_key', models.TextField(editable=False, null=True, verbose_name='wrapped key')),
                        ('root_key_id', models.CharField(db_index=True, editable=False, max_length=16, verbose_name='root key id')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('shredded_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='shredded')),
                    ],
                    options={
                        'verbose_name': 'person key',
                        'verbose_name_plural': 'person keys',
                        'db_table': 'kem_vault_personkey',
                    },
                ),
                migrations.CreateModel(
                    name='BlindIndexEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveSmallIntegerField()),
                        ('field', models.CharField(max_length=48)),
                        ('kind', models.CharField(max_length=3)),
                        ('digest', models.IntegerField()),
                        ('person_key', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='vault.personkey')),
                    ],
                    options={
                        'db_table': 'kem_vault_blindindexentry',
                        'indexes': [models.Index(fields=['field', 'kind', 'digest', 'version', 'person_key'], name='kem_vault_bidx_lookup')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
