from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VaultConfig(AppConfig):
    """The personal-data vault: a layer below the registry, with tables of its own (person keys,
    blind-index keys and entries). Its package lives inside kem; its app label is ``vault``."""

    name = "kem.vault"
    label = "vault"
    verbose_name = _("Personal-data vault")
    default_auto_field = "django.db.models.BigAutoField"
