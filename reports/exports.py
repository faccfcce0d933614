"""Statistics exports in the background: queue a request, then build its file.

:func:`statistics_build_export` is the builder named for ``DownloadKind.STATISTICS`` in
``kem.services.downloads``; it publishes the job's request (:mod:`reports.build`), lays it out
(:mod:`reports.layout`) and writes it with a writer of :mod:`reports.writers` to a file of
:func:`kem.services.downloads.new_file`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kem.models import DownloadJob, DownloadKind
from kem.services.downloads import download_start, new_file
from reports.build import FORMATS, Progress, ReportRequest, report_build, report_centres
from reports.layout import side_by_side
from reports.scope import scope_for
from reports.writers import WRITERS

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def export_filename(request: ReportRequest, fmt: str) -> str:
    """A file name of the report and period only (nothing about a person or a user)."""
    what = request.kind if request.kind != "breakdown" else f"{request.measure}-{request.rows}"
    if request.kind == "breakdown" and request.cols:
        what += f"-{request.cols}"
    return f"kem-statistics-{what}-{request.start:%Y%m%d}-{request.end:%Y%m%d}.{FORMATS[fmt][0]}"


@transaction.atomic
def statistics_export_start(*, request: ReportRequest, fmt: str, by: User) -> DownloadJob:
    """Queue an export of ``request`` in ``fmt`` for ``by`` (the file is made in the background).

    What the background job would refuse is refused now instead: a user without statistics (403),
    a centre outside theirs (404), a period :func:`scope_for` refuses or an unknown format
    (``ValidationError``). The job's parameters are ids, dates and options only.
    """
    if fmt not in FORMATS:
        raise ValidationError(_("Unknown export format."), code="format")
    centres = report_centres(by, request.centre_id)
    scope_for(by, centre_ids=[centre.pk for centre in centres], start=request.start, end=request.end)
    return download_start(
        kind=DownloadKind.STATISTICS,
        by=by,
        centre=centres[0] if request.centre_id is not None else None,
        params={**request.to_params(), "format": fmt},
    )


def statistics_build_export(job: DownloadJob, progress: Progress) -> tuple[str, str, str]:
    """The download builder of a statistics export: publish the job's request (the user's rights
    are checked again now) and write it in the job's format. Returns (filename, content type,
    stored name)."""
    fmt = job.params.get("format", "csv")
    if fmt not in WRITERS:
        raise ValidationError(_("Unknown export format."), code="format")
    request = ReportRequest.from_params(job.params)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        progress(5)
        built = report_build(user=job.created_by, request=request)
        progress(50)
        tables = side_by_side(built)
        suffix, content_type = FORMATS[fmt]
        with new_file(job, suffix) as (stored_name, out):
            WRITERS[fmt](out, built, tables, progress)
    return export_filename(request, fmt), content_type, stored_name
