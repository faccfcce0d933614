"""Reference lists the centres start with: interpreting languages and administrative services.

The data migration seeds them; tests whose database was flushed (transactional tests) call
``seed_reference_data()`` again. Managers edit both lists in the app afterwards.
"""

from django.apps import apps as global_apps

LANGUAGES = [
    # (ISO 639 code, dialect, Greek, English)
    ("ar", "levantine", "Αραβικά (Λεβαντίνικα)", "Arabic (Levantine)"),
    ("ar", "iraqi", "Αραβικά (Ιρακινά)", "Arabic (Iraqi)"),
    ("ar", "maghrebi", "Αραβικά (Μαγκρέμπ)", "Arabic (Maghrebi)"),
    ("fa", "", "Φαρσί", "Farsi"),
    ("prs", "", "Ντάρι", "Dari"),
    ("ps", "", "Πάστο", "Pashto"),
    ("ur", "", "Ούρντου", "Urdu"),
    ("kmr", "", "Κουρμαντζί", "Kurmanji"),
    ("ckb", "", "Σοράνι", "Sorani"),
    ("so", "", "Σομαλικά", "Somali"),
    ("ti", "", "Τιγκρίνια", "Tigrinya"),
    ("fr", "", "Γαλλικά", "French"),
    ("ln", "", "Λινγκάλα", "Lingala"),
    ("uk", "", "Ουκρανικά", "Ukrainian"),
    ("ru", "", "Ρωσικά", "Russian"),
    ("en", "", "Αγγλικά", "English"),
    ("tr", "", "Τουρκικά", "Turkish"),
    ("bn", "", "Μπενγκάλι", "Bengali"),
    ("pa", "", "Παντζάμπι", "Punjabi"),
    ("sq", "", "Αλβανικά", "Albanian"),
]

SERVICES = [
    ("amka", "Έκδοση ΑΜΚΑ", "AMKA (social security number)"),
    ("afm", "Έκδοση ΑΦΜ", "AFM (tax number)"),
    ("unemployment_card", "Κάρτα ανεργίας ΔΥΠΑ", "Unemployment card (DYPA)"),
    ("gmi", "Ελάχιστο Εγγυημένο Εισόδημα", "Guaranteed Minimum Income"),
    ("housing_allowance", "Επίδομα στέγασης", "Housing allowance"),
    ("residence_permit_renewal", "Ανανέωση άδειας διαμονής", "Residence-permit renewal"),
    ("school_enrolment", "Εγγραφή παιδιών στο σχολείο", "School enrolment of children"),
    ("child_benefit", "Επίδομα παιδιού", "Child benefit"),
]


def seed_reference_data(apps=global_apps, schema_editor=None) -> None:
    """Create the lists' rows that are missing (never changes an edited row)."""
    Language = apps.get_model("cases", "Language")
    BenefitService = apps.get_model("cases", "BenefitService")
    for code, dialect, name_el, name_en in LANGUAGES:
        Language.objects.get_or_create(
            code=code, dialect=dialect, defaults={"name_el": name_el, "name_en": name_en}
        )
    for code, name_el, name_en in SERVICES:
        BenefitService.objects.get_or_create(code=code, defaults={"name_el": name_el, "name_en": name_en})
