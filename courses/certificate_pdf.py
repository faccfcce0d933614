"""Drawing a certificate of attendance (βεβαίωση παρακολούθησης) on a PDF page with reportlab.

One A4 page, Greek above English, with the holder's name as printed, the course and level, the
hours attended, the class's dates, the centre, the number, the issue date, and the verification
code with a QR code leading to the public verification page. The DejaVu fonts are embedded so
that Greek (and any other script a name is written in that DejaVu covers) renders correctly.

The wording comes from the catalogues: the Greek half is drawn under ``translation.override("el")``
and the English half under ``"en"``, whatever the language of the person printing.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from courses.models import Certificate

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = "KEM-DejaVuSans"
BOLD = "KEM-DejaVuSans-Bold"
WIDTH, HEIGHT = A4
MARGIN = 20 * mm
TEXT_WIDTH = WIDTH - 2 * MARGIN
QR_SIZE = 32 * mm
MUTED = Color(0.36, 0.40, 0.46)
INK = Color(0.11, 0.15, 0.20)


def register_fonts() -> None:
    """Register the embedded fonts once per process."""
    registered = pdfmetrics.getRegisteredFontNames()
    if REGULAR not in registered:
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    if BOLD not in registered:
        pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))


def verification_url(certificate: Certificate) -> str:
    return settings.KEM_SITE_URL + reverse("certificate-verify-code", kwargs={"code": certificate.code})


def new_canvas(out, *, title: str) -> Canvas:
    """A canvas on ``out`` with the fonts registered; the title never holds a name."""
    register_fonts()
    # The embedded font from the start: no standard (non-embedded) font slips into the file.
    canvas = Canvas(out, pagesize=A4, pageCompression=1, initialFontName=REGULAR)
    canvas.setTitle(title)
    canvas.setAuthor("KEM")
    return canvas


class _Writer:
    """Centred and wrapped lines going down the page."""

    def __init__(self, canvas: Canvas, top: float) -> None:
        self.canvas = canvas
        self.y = top

    def line(self, text: str, *, size: float, bold: bool = False, gap: float = 0.4, colour=INK) -> None:
        font = BOLD if bold else REGULAR
        self.canvas.setFont(font, size)
        self.canvas.setFillColor(colour)
        for part in simpleSplit(text, font, size, TEXT_WIDTH) or [""]:
            self.y -= size * 1.25
            self.canvas.drawCentredString(WIDTH / 2, self.y, part)
        self.y -= size * gap

    def space(self, points: float) -> None:
        self.y -= points


def _capitals(text: str) -> str:
    """Upper case as Greek typesetting has it: no accent (tonos) on capitals, the diaeresis kept."""
    decomposed = unicodedata.normalize("NFD", text.upper())
    return unicodedata.normalize("NFC", decomposed.replace("\u0301", ""))


def _hours(value: Decimal) -> str:
    return formats.number_format(value, 2)


def _date(value) -> str:
    return value.strftime("%d/%m/%Y")


def _half(certificate: Certificate, language: str) -> dict[str, str]:
    """The wording of one language's half of the certificate."""
    enrolment = certificate.enrolment
    course_class = enrolment.course_class
    course, centre = course_class.course, course_class.centre
    with translation.override(language):
        is_el = language == "el"
        return {
            "title": _("Certificate of attendance"),
            "certifies": _("This is to certify that"),
            "body": _(
                "attended the course “%(course)s”, level %(level)s, at %(centre)s from %(start)s to "
                "%(end)s, for %(hours)s hours (%(percent)s%% of the lessons held)."
            )
            % {
                "course": course.name_el if is_el else course.name_en,
                "level": course.get_level_display(),
                "centre": centre.name_el if is_el else (centre.name_en or centre.name_el),
                "start": _date(course_class.start_date),
                "end": _date(course_class.end_date),
                "hours": _hours(certificate.hours_attended),
                "percent": _hours(certificate.attendance_percent),
            },
            "number": _("Number"),
            "issued": _("Issued on"),
            "code": _("Verification code"),
            "check": _("Check this certificate at"),
        }


def draw_certificate(canvas: Canvas, certificate: Certificate) -> None:
    """Draw ``certificate`` on the canvas's current page (the caller ends the page).

    The certificate must come with its enrolment, person key, class, course and centre.
    """
    el, en = _half(certificate, "el"), _half(certificate, "en")
    centre = certificate.enrolment.course_class.centre
    write = _Writer(canvas, HEIGHT - MARGIN)
    write.line(centre.name_el, size=11, colour=MUTED, gap=0)
    if centre.name_en and centre.name_en != centre.name_el:
        write.line(centre.name_en, size=11, colour=MUTED, gap=0)
    write.space(14 * mm)
    write.line(_capitals(el["title"]), size=22, bold=True, gap=0.2)
    write.line(_capitals(en["title"]), size=14, bold=True, colour=MUTED)
    write.space(12 * mm)
    write.line(f"{el['certifies']} / {en['certifies']}", size=11, colour=MUTED)
    write.line(certificate.holder_name, size=24, bold=True, gap=0.2)
    latin = certificate.holder_name_latin
    if latin and latin.casefold() != certificate.holder_name.casefold():
        write.line(latin, size=14)
    write.space(10 * mm)
    write.line(el["body"], size=12.5, gap=1.2)
    write.line(en["body"], size=11.5, colour=MUTED)
    _draw_footer(canvas, certificate, el, en)


def _draw_footer(canvas: Canvas, certificate: Certificate, el: dict[str, str], en: dict[str, str]) -> None:
    url = verification_url(certificate)
    facts = [
        (f"{el['number']} / {en['number']}", certificate.number),
        (f"{el['issued']} / {en['issued']}", _date(certificate.issued_on)),
        (f"{el['code']} / {en['code']}", certificate.code),
    ]
    y = MARGIN + QR_SIZE - 10
    for label, value in facts:
        canvas.setFont(REGULAR, 9)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, y, label)
        canvas.setFont(BOLD, 11)
        canvas.setFillColor(INK)
        canvas.drawString(MARGIN + 70 * mm, y, value)
        y -= 16
    canvas.setFont(REGULAR, 8)
    canvas.setFillColor(MUTED)
    canvas.drawString(MARGIN, MARGIN - 12, f"{el['check']} / {en['check']}: {url}")
    widget = QrCodeWidget(url)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIZE,
        QR_SIZE,
        transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0],
        initialFontName=REGULAR,
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, WIDTH - MARGIN - QR_SIZE, MARGIN)
