"""Consent, households and merging two records of one person.

Every write keeps history with the acting user (``_history_user``). Permission to act at all is the
views' business (``beneficiary_for``); what these services check is what must hold whoever calls
them: both people of a household at one centre the user serves, a merge by a manager of both
records' centres.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kem.models import (
    Beneficiary,
    Consent,
    ConsentPurpose,
    Household,
    HouseholdMember,
    MergeRecord,
    Relationship,
)
from kem.permissions import CentrePerm, may
from kem.selectors.merge import Combination, child_relations, merge_facts, merge_plan
from kem.selectors.people import Relation, person_relations
from kem.services.access_log import access_record, role_at
from kem.services.beneficiaries import id_numbers_of, next_expiry_of
from kem.services.records import record_save, set_history_user
from kem.vault.fields import SealedField
from kem.vault.models import SealedModel
from kem.vault.normalise import id_canonical

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# --- consent -----------------------------------------------------------------------------------


def _consent_partner_errors(*, purpose: str, partner: str, organisation: Any) -> dict[str, ValidationError]:
    """A referral consent names one partner: a directory organisation (active) or, for partners
    outside the directory, a name; other purposes name no directory organisation."""
    errors: dict[str, ValidationError] = {}
    if organisation is not None and purpose != ConsentPurpose.REFERRAL:
        errors["organisation"] = ValidationError(
            _("Only a referral consent names a partner organisation."), code="organisation_not_referral"
        )
    elif organisation is not None and partner:
        errors["partner"] = ValidationError(
            _("Choose the organisation from the directory or type a partner's name, not both."),
            code="partner_twice",
        )
    elif organisation is not None and not organisation.active:
        errors["organisation"] = ValidationError(
            _("This organisation is no longer in the directory; choose another."),
            code="organisation_inactive",
        )
    elif purpose == ConsentPurpose.REFERRAL and organisation is None and not partner:
        errors["partner"] = ValidationError(
            _(
                "Name the partner organisation this referral consent is for: choose it from the "
                "directory, or type its name if it is not there."
            ),
            code="partner_required",
        )
    return errors


@transaction.atomic
def consent_record(
    *,
    beneficiary: Beneficiary,
    purpose: str,
    partner: str = "",
    organisation: Any = None,
    given_on: dt.date,
    expires_on: dt.date | None = None,
    method: str,
    by: User,
) -> Consent:
    """Record a consent the person gave (the model's rules: not in the future, expiry after the
    day it was given). A referral consent names its partner: an active organisation of the
    directory (``organisation``, whose Greek name is then kept as the partner's name too) or, for
    a partner outside the directory, ``partner`` — one of the two."""
    partner = (partner or "").strip()
    consent = Consent(
        beneficiary=beneficiary,
        purpose=purpose,
        organisation=organisation,
        partner=organisation.name_el if organisation is not None else partner,
        given_on=given_on,
        expires_on=expires_on,
        method=method,
        recorded_by=by,
    )
    errors = _consent_partner_errors(purpose=purpose, partner=partner, organisation=organisation)
    try:
        consent.full_clean()
    except ValidationError as invalid:
        # Every mistake at once; ours, more precise about the partner, replace the model's.
        errors = {**invalid.error_dict, **errors}  # type: ignore[dict-item]  # lists of errors per field
    if errors:
        raise ValidationError(errors)
    set_history_user(consent, by)
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, withdrawn_on: dt.date, by: User) -> Consent:
    """Mark a consent withdrawn from ``withdrawn_on``; the history keeps who recorded it."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError(
            {
                "withdrawn_on": ValidationError(
                    _("This consent was already withdrawn."), code="already_withdrawn"
                )
            }
        )
    if withdrawn_on > timezone.localdate():
        raise ValidationError(
            {"withdrawn_on": ValidationError(_("This date is in the future."), code="date_in_future")}
        )
    consent.withdrawn_on = withdrawn_on
    record_save(consent, by=by)
    return consent


# --- households --------------------------------------------------------------------------------


@transaction.atomic
def household_link(*, head: Beneficiary, member: Beneficiary, relationship: str, by: User) -> HouseholdMember:
    """Add ``member`` to the household of ``head``.

    If ``head`` belongs to no household, one is created at their registering centre with them as
    its head; if they belong to one, ``member`` joins it and ``relationship`` is to that
    household's head. A person already in a household must be unlinked from it first. Both people
    must be registered at the same centre, one where ``by`` serves beneficiaries.
    """
    head, member = _locked(head, member)
    if head.pk == member.pk:
        raise ValidationError(_("A person cannot be linked to themselves."), code="same_person")
    if head.registering_centre_id != member.registering_centre_id:
        raise ValidationError(
            _("Both people must be registered at the same centre to share a household."),
            code="different_centres",
        )
    if not may(by, CentrePerm.SERVE, head.registering_centre):
        raise PermissionDenied
    if relationship == Relationship.HEAD:
        raise ValidationError(
            {
                "relationship": ValidationError(
                    _("The household already has its head; choose the relationship to them."),
                    code="second_head",
                )
            }
        )
    if HouseholdMember.objects.filter(beneficiary=member).exists():
        raise ValidationError(
            _("This person already belongs to a household. Unlink them from it first."),
            code="already_in_household",
        )
    household = _household_of(head, by=by)
    link = HouseholdMember(household=household, beneficiary=member, relationship=relationship)
    record_save(link, by=by)
    return link


@transaction.atomic
def household_unlink(*, member: Beneficiary, by: User) -> None:
    """Take ``member`` out of their household.

    The head leaves only once nobody else is in it; when the last other member leaves, the
    household is dissolved (the history keeps it).
    """
    link = (
        HouseholdMember.objects.select_for_update()
        .select_related("household__centre")
        .filter(beneficiary=member)
        .first()
    )
    if link is None:
        raise ValidationError(_("This person belongs to no household."), code="no_household")
    if not may(by, CentrePerm.SERVE, link.household.centre):
        raise PermissionDenied
    others = list(
        HouseholdMember.objects.select_for_update().filter(household=link.household).exclude(pk=link.pk)
    )
    if link.relationship == Relationship.HEAD and others:
        raise ValidationError(
            _("The head of a household leaves last: unlink the other members first."),
            code="head_with_members",
        )
    _delete(link, by=by)
    if all(other.relationship == Relationship.HEAD for other in others):
        # Nobody but the head is left: a household of one is no household.
        for other in others:
            _delete(other, by=by)
        _delete(link.household, by=by)


def _household_of(head: Beneficiary, *, by: User) -> Household:
    link = HouseholdMember.objects.select_related("household").filter(beneficiary=head).first()
    if link is not None:
        return link.household
    household = Household(centre=head.registering_centre)
    set_history_user(household, by)
    household.save()
    head_link = HouseholdMember(household=household, beneficiary=head, relationship=Relationship.HEAD)
    set_history_user(head_link, by)
    head_link.save()
    return household


def _delete(obj: models.Model, *, by: User) -> None:
    set_history_user(obj, by)
    obj.delete()


def _locked(*people: Beneficiary) -> list[Beneficiary]:
    """Fresh, row-locked copies of ``people`` in their given order (locked in pk order)."""
    rows = {
        b.pk: b
        for b in Beneficiary.objects.select_for_update(of=("self",))
        .select_related("registering_centre")
        .filter(pk__in=[p.pk for p in people])
        .order_by("pk")
    }
    return [rows[p.pk] for p in people]


# --- merge -------------------------------------------------------------------------------------


class MergeRefused(ValidationError):
    """Two records cannot be merged as they stand (the message says why)."""


@transaction.atomic
def beneficiary_merge(*, survivor: Beneficiary, duplicate: Beneficiary, by: User) -> MergeRecord:
    """Make ``duplicate`` part of ``survivor``: two records of one person become one.

    Both rows are locked. The plan is ``kem.selectors.merge.merge_plan`` (what the confirmation
    page showed): records that cannot both stay (both enrolled in one class, both with an open
    case of one area) become one, the kept record receiving the children of the other (sessions,
    attendance marks: see each model's ``MergeRule``); then every record pointing at the duplicate
    moves to the survivor (see ``person_relations``). Records whose sealed values the duplicate's
    key sealed, directly or through a parent (``vault_owner`` such as ``"case.beneficiary"``), are
    opened first and sealed again under the survivor's key, and so are their earlier history rows
    whose owner is now the survivor, so that every history row still opens. Identity documents the
    survivor lacks are added to theirs. The duplicate keeps its key and blind-index entries;
    pointing ``merged_into`` at the survivor takes it out of every search and ``visible_to``. Both
    get a history row, the merge a ``MergeRecord`` (counts only), and the access log a
    ``kem.beneficiary.merged`` event. Refused (``MergeRefused``) when the plan has a pair no rule
    can combine, or both records belong to a household.
    """
    survivor, duplicate = _locked(survivor, duplicate)
    _check_mergeable(survivor, duplicate, by=by)
    plan = merge_plan(merge_facts(survivor=survivor, duplicate=duplicate))
    if plan.refusals:
        raise MergeRefused(" ".join(plan.refusals), code="conflicting_records")
    reason_survivor = f"merged from {duplicate.pk}"
    reseal = _open_sealed_records_of(duplicate)
    history = _history_to_reseal(reseal, duplicate)
    moved: dict[str, int] = {}
    try:
        with transaction.atomic():
            for combination in plan.combinations:
                _combine(
                    combination, survivor=survivor, reseal=reseal, by=by, reason=reason_survivor, moved=moved
                )
            for relation in person_relations():
                count = _move(relation, duplicate, survivor, reseal=reseal, by=by, reason=reason_survivor)
                if count:
                    moved[relation.key] = count
            _reseal(reseal, survivor, by=by, reason=reason_survivor)
            resealed = _reseal_history(history, survivor=survivor, duplicate=duplicate)
    except IntegrityError:
        # The plan combines every pair the constraints name; a clash left is a record written
        # between the plan and the move, or a rule the plan does not know.
        raise MergeRefused(
            _(
                "Both records hold the same record somewhere (for example the same class). Resolve that first."
            ),
            code="conflicting_records",
        ) from None
    if resealed:
        moved["history_resealed"] = resealed
    documents_added = _merge_documents(survivor, duplicate)
    if documents_added:
        moved["documents"] = documents_added
    _merge_special_categories(survivor, duplicate)
    record_save(survivor, by=by, reason=reason_survivor, validate=False)
    duplicate.merged_into = survivor
    record_save(duplicate, by=by, reason=f"merged into {survivor.pk}", validate=False)
    record = MergeRecord(survivor=survivor, merged_id=duplicate.pk, moved=moved, merged_by=by)
    record.full_clean()
    record.save()
    access_record(
        user=by,
        action="kem.beneficiary.merged",
        subject=survivor,
        centre=survivor.registering_centre,
        role=role_at(by, survivor.registering_centre_id),
    )
    return record


def _check_mergeable(survivor: Beneficiary, duplicate: Beneficiary, *, by: User) -> None:
    if survivor.pk == duplicate.pk:
        raise MergeRefused(_("A record cannot be merged with itself."), code="same_record")
    if survivor.merged_into_id or duplicate.merged_into_id:
        raise MergeRefused(_("One of the records was already merged."), code="already_merged")
    for person in (survivor, duplicate):
        if not may(by, CentrePerm.MANAGE, person.registering_centre):
            raise PermissionDenied
    both = HouseholdMember.objects.filter(beneficiary__in=[survivor, duplicate]).count()
    if both == 2:
        raise MergeRefused(
            _("Both records belong to a household. Unlink one of them first."), code="two_households"
        )


def _move(
    relation: Relation,
    duplicate: Beneficiary,
    survivor: Beneficiary,
    *,
    reseal: dict[tuple[type, Any], _Opened],
    by: User,
    reason: str,
) -> int:
    """Point the duplicate's records of one relation at the survivor, one save each (history)."""
    count = 0
    for obj in relation.movable(duplicate, survivor):
        obj = _copy_to_save(obj, reseal)
        setattr(obj, relation.field.name, survivor)
        if (relation.model, obj.pk) not in reseal:
            record_save(obj, by=by, reason=reason, validate=False)
        count += 1
    return count


def _copy_to_save(obj: Any, reseal: dict[tuple[type, Any], _Opened]) -> Any:
    """The copy of ``obj`` to change: the one opened for resealing if it is sealed with the
    duplicate's key (saved once, when resealed), else ``obj``."""
    item = reseal.get((type(obj), obj.pk))
    return obj if item is None else item.obj


def _combine(
    combination: Combination,
    *,
    survivor: Beneficiary,
    reseal: dict[tuple[type, Any], _Opened],
    by: User,
    reason: str,
    moved: dict[str, int],
) -> None:
    """Make one record of a clashing pair: the pairs among their children first, then every child
    of the dropped record moves onto the kept one, the kept one takes what only the dropped one
    had, and the dropped one retires (its rule's ``retire``, or deleted). Counted in ``moved``."""
    for child in combination.children:
        _combine(child, survivor=survivor, reseal=reseal, by=by, reason=reason, moved=moved)
    kept, dropped = combination.kept, combination.dropped
    for rel in child_relations(combination.model):
        child_model: Any = rel.related_model  # a model class (a relation to "self" is resolved)
        for obj in child_model._base_manager.filter(**{rel.field.name: dropped}):
            obj = _copy_to_save(obj, reseal)
            setattr(obj, rel.field.name, kept)
            item = reseal.get((type(obj), obj.pk))
            if item is not None:
                # Sealed with the duplicate's key: sealed again now, under the survivor's.
                _point_owner_at(item, survivor)
                item.saved = True
            record_save(obj, by=by, reason=reason, validate=False)
            key = f"moved_onto_kept.{child_model._meta.label_lower}"
            moved[key] = moved.get(key, 0) + 1
    rule = combination.rule
    changed = rule.absorb(kept, dropped) if rule.absorb is not None else []
    if changed:
        record_save(kept, by=by, reason=reason, validate=False)
    retire_reason = f"{reason}: combined into {kept.pk}"
    if rule.retire is not None:
        rule.retire(dropped, by=by, reason=retire_reason)
    else:
        set_history_user(dropped, by)
        setattr(dropped, "_change_reason", retire_reason)  # noqa: B010 - simple-history's attribute
        dropped.delete()
    key = f"combined.{combination.label}"
    moved[key] = moved.get(key, 0) + 1


@dataclass
class _Opened:
    obj: Any
    path: str
    values: dict[str, Any]
    saved: bool = False


def _open_sealed_records_of(duplicate: Beneficiary) -> dict[tuple[type, Any], _Opened]:
    """Every record sealed with the duplicate's key (other than the duplicate), opened."""
    opened: dict[tuple[type, Any], _Opened] = {}
    for model in _sealed_models_owned_by_people():
        path = model.vault_owner
        lookup = path.replace(".", "__")
        rows = model._base_manager.select_related(f"{lookup}__person_key").filter(**{lookup: duplicate})
        for obj in rows:
            values = {f.name: getattr(obj, f.name) for f in _sealed_fields(model)}
            opened[(model, obj.pk)] = _Opened(obj=obj, path=path, values=values)
    return opened


def _point_owner_at(item: _Opened, survivor: Beneficiary) -> None:
    """Lead ``item``'s owner path to the survivor (on the loaded parents, not saved: the moves save
    them) and give it its opened values again, so that its next save seals them with the
    survivor's key."""
    *parents, last = item.path.split(".")
    holder = item.obj
    for attribute in parents:
        holder = getattr(holder, attribute)
    setattr(holder, last, survivor)
    for name, value in item.values.items():
        setattr(item.obj, name, value)


def _reseal(opened: dict[tuple[type, Any], _Opened], survivor: Beneficiary, *, by: User, reason: str) -> None:
    for item in opened.values():
        if item.saved:
            continue
        _point_owner_at(item, survivor)
        record_save(item.obj, by=by, reason=reason, validate=False)


@dataclass
class _HistoryRow:
    model: type[models.Model]
    history_model: type[models.Model]
    history_id: Any
    path: str


def _history_to_reseal(opened: dict[tuple[type, Any], _Opened], duplicate: Beneficiary) -> list[_HistoryRow]:
    """The history rows, written before the merge, of the records sealed with the duplicate's key
    whose owner path leads to the duplicate (so their envelopes are the duplicate's)."""
    rows = []
    model: Any
    for (model, pk), item in opened.items():
        history = getattr(model, "history", None)
        if history is None:
            continue
        history_model = history.model
        for row in history_model._base_manager.filter(**{model._meta.pk.attname: pk}):
            if _owner_id(row.instance, item.path) == duplicate.pk:
                rows.append(_HistoryRow(model, history_model, row.pk, item.path))
    return rows


def _owner_id(instance: models.Model, path: str) -> Any:
    """The primary key of the person ``path`` leads to from ``instance`` now, or None."""
    *parents, last = path.split(".")
    holder: Any = instance
    try:
        for attribute in parents:
            holder = getattr(holder, attribute)
    except ObjectDoesNotExist:
        return None
    return None if holder is None else getattr(holder, f"{last}_id", None)


def _reseal_history(rows: list[_HistoryRow], *, survivor: Beneficiary, duplicate: Beneficiary) -> int:
    """Seal again under the survivor's key the history rows whose owner path now leads to the
    survivor (a session's row names its case, and the case moved). The envelope of a history row
    is bound to the original row (``SealedField.context`` of ``row.instance``), so it is opened and
    sealed with that context. Returns how many rows were sealed again."""
    old, new = duplicate.person_key.sealer(), survivor.person_key.sealer()
    count = 0
    for item in rows:
        row: Any = item.history_model._base_manager.get(pk=item.history_id)
        instance = row.instance
        if _owner_id(instance, item.path) != survivor.pk:
            continue
        changes = {}
        for sealed in _sealed_fields(item.model):
            envelope = getattr(row, sealed.attname)
            if envelope is None:
                continue
            context = sealed.context(instance)
            changes[sealed.attname] = new.seal(old.open(envelope, context=context), context=context)
        if changes:
            item.history_model._base_manager.filter(pk=item.history_id).update(**changes)
            count += 1
    return count


def _sealed_models_owned_by_people() -> list[type[SealedModel]]:
    """Concrete sealed models other than people whose ``vault_owner`` leads to a Beneficiary."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if not issubclass(model, SealedModel) or model.vault_owner in ("", "self"):
            continue
        target: Any = model
        for attribute in model.vault_owner.split("."):
            target = target._meta.get_field(attribute).related_model
        if target is not None and issubclass(target, Beneficiary):
            found.append(model)
    return found


def _sealed_fields(model: type[models.Model]) -> list[SealedField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, SealedField) and not f._is_history_copy()]


def _merge_special_categories(survivor: Beneficiary, duplicate: Beneficiary) -> None:
    """The survivor's vulnerabilities and disability become those of both records (saving the
    survivor rewrites its facts; saving the merged duplicate removes its own)."""
    held = list(survivor.vulnerabilities or [])
    added = [code for code in duplicate.vulnerabilities or [] if code not in held]
    if added:
        survivor.vulnerabilities = [*held, *added]
    if duplicate.disability and not survivor.disability:
        survivor.disability = True


def _merge_documents(survivor: Beneficiary, duplicate: Beneficiary) -> int:
    """Add the duplicate's documents the survivor lacks (same kind and number = the same document)."""
    held = {(d.get("kind"), id_canonical(str(d.get("number", "")))) for d in survivor.documents or []}
    added = [
        dict(d)
        for d in duplicate.documents or []
        if (d.get("kind"), id_canonical(str(d.get("number", "")))) not in held
    ]
    if added:
        documents = [*(survivor.documents or []), *added]
        survivor.documents = documents
        survivor.id_numbers = id_numbers_of(documents)
        survivor.next_document_expiry = next_expiry_of(documents)
    return len(added)
