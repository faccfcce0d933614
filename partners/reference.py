"""The partner directory the network starts with: the kinds of partners centres refer people to.

The data migration seeds it; tests whose database was flushed (transactional tests) call
``seed_directory()`` again. Managers edit the directory in the app afterwards. Contact addresses
are placeholders on example domains, to be replaced with each partner's intake address.
"""

from django.apps import apps as global_apps

# (Greek name, English name, type, area served, e-mail, phone, website, languages,
#  [(service Greek name, service English name, category), ...])
ORGANISATIONS = [
    (
        "Ύπατη Αρμοστεία του ΟΗΕ για τους Πρόσφυγες (UNHCR)",
        "UN Refugee Agency (UNHCR)",
        "international",
        "Πανελλαδικά",
        "referrals@unhcr.example.org",
        "",
        "",
        ["en", "fr", "ar", "fa"],
        [
            ("Νομική πληροφόρηση για το άσυλο", "Asylum legal information", "asylum_procedure"),
            ("Προστασία παιδιών", "Child protection", "child_protection"),
        ],
    ),
    (
        "Διεθνής Οργανισμός Μετανάστευσης (IOM)",
        "International Organization for Migration (IOM)",
        "international",
        "Πανελλαδικά",
        "referrals@iom.example.org",
        "",
        "",
        ["en", "fr", "ar", "fa", "ur"],
        [
            ("Πρόγραμμα στέγασης και ένταξης", "Housing and integration programme", "housing_programme"),
            ("Μαθήματα ελληνικών", "Greek language classes", "language_classes"),
        ],
    ),
    (
        "UNICEF Ελλάδας",
        "UNICEF Greece",
        "international",
        "Πανελλαδικά",
        "referrals@unicef.example.org",
        "",
        "",
        ["en", "fr", "ar"],
        [
            ("Προστασία παιδιών", "Child protection", "child_protection"),
            ("Εγγραφή στο σχολείο", "School enrolment support", "school"),
        ],
    ),
    (
        "Ομάδα Νομικής Συνδρομής Προσφύγων",
        "Refugee Legal Aid Group",
        "ngo",
        "Αττική",
        "intake@legal-aid.example.org",
        "",
        "",
        ["en", "ar", "fa", "fr"],
        [
            ("Νομική συνδρομή", "Legal aid", "legal_aid"),
            ("Άδειες διαμονής και έγγραφα", "Residence permits and documents", "documents"),
            (
                "Εκπροσώπηση στη διαδικασία ασύλου",
                "Representation in the asylum procedure",
                "asylum_procedure",
            ),
        ],
    ),
    (
        "Ξενώνας Φιλοξενίας Γυναικών και Παιδιών",
        "Shelter for Women and Children",
        "ngo",
        "Αττική",
        "intake@shelter.example.org",
        "",
        "",
        ["en", "ar", "fa"],
        [("Φιλοξενία έκτακτης ανάγκης", "Emergency shelter", "shelter")],
    ),
    (
        "Κέντρο Ψυχικής Υγείας για Πρόσφυγες",
        "Refugee Mental Health Centre",
        "ngo",
        "Αττική",
        "intake@mental-health.example.org",
        "",
        "",
        ["en", "ar", "fa", "ps", "so"],
        [("Ψυχολογική υποστήριξη", "Psychological support", "mental_health")],
    ),
    (
        "Πρόγραμμα Ενοικίων και Στέγασης Προσφύγων",
        "Refugee Rental Housing Programme",
        "ngo",
        "Αθήνα, Θεσσαλονίκη",
        "housing@rental-programme.example.org",
        "",
        "",
        ["en", "ar", "fa", "uk"],
        [
            ("Επιδότηση ενοικίου", "Rent subsidy", "rent_subsidy"),
            ("Διαμερίσματα του προγράμματος", "Programme apartments", "housing_programme"),
        ],
    ),
    (
        "Δημόσια Υπηρεσία Απασχόλησης (ΔΥΠΑ)",
        "Public Employment Service (DYPA)",
        "public",
        "Τοπικά καταστήματα ΔΥΠΑ",
        "referrals@dypa.example.gov.gr",
        "",
        "",
        ["en"],
        [
            ("Εγγραφή στο μητρώο ανέργων", "Unemployment registration", "unemployment_registration"),
            ("Εύρεση εργασίας", "Job placement", "job_placement"),
            ("Επαγγελματική κατάρτιση", "Vocational training", "vocational_training"),
        ],
    ),
    (
        "Οργανισμός Προνοιακών Επιδομάτων και Κοινωνικής Αλληλεγγύης (ΟΠΕΚΑ)",
        "Welfare Benefits and Social Solidarity Organisation (OPEKA)",
        "public",
        "Πανελλαδικά",
        "referrals@opeka.example.gov.gr",
        "",
        "",
        ["en"],
        [("Προνοιακά επιδόματα", "Welfare benefits", "social_services")],
    ),
    (
        "Ηλεκτρονικός Εθνικός Φορέας Κοινωνικής Ασφάλισης (e-ΕΦΚΑ)",
        "Social Security Fund (e-EFKA)",
        "public",
        "Πανελλαδικά",
        "referrals@efka.example.gov.gr",
        "",
        "",
        ["en"],
        [("Ασφαλιστική ικανότητα και ΑΜΚΑ", "Insurance and social security number", "documents")],
    ),
    (
        "Δημοτικό Κοινωνικό Παντοπωλείο",
        "Municipal Social Grocery",
        "municipal",
        "Δημότες και κάτοικοι του δήμου",
        "grocery@municipality.example.gov.gr",
        "",
        "",
        ["en"],
        [("Διανομή τροφίμων και ειδών πρώτης ανάγκης", "Food and basic goods", "social_grocery")],
    ),
    (
        "Δημοτικό Κοινωνικό Φαρμακείο",
        "Municipal Social Pharmacy",
        "municipal",
        "Δημότες και κάτοικοι του δήμου",
        "pharmacy@municipality.example.gov.gr",
        "",
        "",
        ["en"],
        [("Δωρεάν φάρμακα με συνταγή", "Free prescribed medicines", "pharmacy")],
    ),
    (
        "Δημοτικό Πολυϊατρείο",
        "Municipal Clinic",
        "municipal",
        "Δημότες και κάτοικοι του δήμου",
        "clinic@municipality.example.gov.gr",
        "",
        "",
        ["en"],
        [
            ("Γενική ιατρική και εμβολιασμοί", "General practice and vaccinations", "clinic"),
            ("Παιδιατρικό ιατρείο", "Paediatric clinic", "clinic"),
        ],
    ),
    (
        "Κοινωνική Υπηρεσία του Δήμου",
        "Municipal Social Services",
        "municipal",
        "Δημότες και κάτοικοι του δήμου",
        "social@municipality.example.gov.gr",
        "",
        "",
        ["en"],
        [
            ("Κοινωνική έρευνα και υποστήριξη", "Social assessment and support", "social_services"),
            ("Ελάχιστο Εγγυημένο Εισόδημα", "Guaranteed Minimum Income", "social_services"),
        ],
    ),
    (
        "Κέντρο Επαγγελματικής Κατάρτισης και Επιχειρηματικότητας",
        "Vocational Training and Entrepreneurship Centre",
        "ngo",
        "Αττική",
        "training@skills.example.org",
        "",
        "",
        ["en", "ar", "fr"],
        [
            ("Επαγγελματική κατάρτιση", "Vocational training", "vocational_training"),
            ("Υποστήριξη νέων επιχειρήσεων", "Support for starting a business", "entrepreneurship"),
        ],
    ),
]

# Each service category's working area, as partners.models.CATEGORY_AREA has it (migrations use
# historical models, whose ``save()`` does not fill the area in).
_AREA = {
    "legal_aid": "legal",
    "asylum_procedure": "legal",
    "documents": "legal",
    "clinic": "health_social",
    "pharmacy": "health_social",
    "mental_health": "health_social",
    "social_grocery": "health_social",
    "social_services": "health_social",
    "child_protection": "health_social",
    "shelter": "housing",
    "rent_subsidy": "housing",
    "housing_programme": "housing",
    "language_classes": "education",
    "school": "education",
    "vocational_training": "education",
    "job_placement": "labour",
    "unemployment_registration": "labour",
    "entrepreneurship": "labour",
}


def seed_directory(apps=global_apps, schema_editor=None, *, app_label: str = "partners") -> None:
    """Create the directory's missing organisations and services (never changes an edited row).

    ``app_label`` names the app the models belong to at that point of the migrations: the
    directory was part of the referrals app until ``partners.0001``.
    """
    Organisation = apps.get_model(app_label, "Organisation")
    PartnerService = apps.get_model(app_label, "PartnerService")
    for name_el, name_en, kind, area_served, email, phone, website, languages, services in ORGANISATIONS:
        organisation, _created = Organisation.objects.get_or_create(
            name_en=name_en,
            defaults={
                "name_el": name_el,
                "type": kind,
                "area_served": area_served,
                "email": email,
                "phone": phone,
                "website": website,
                "languages": languages,
            },
        )
        for service_el, service_en, category in services:
            PartnerService.objects.get_or_create(
                organisation=organisation,
                name_en=service_en,
                defaults={"name_el": service_el, "category": category, "area": _AREA[category]},
            )
