"""What a merge of two records of one person will do, worked out before anything changes.

``merge_facts`` reads the two records' related records (queries, nothing written);
``merge_plan`` turns those facts into the plan (a pure function: no query, no write). The merge
confirmation page shows the plan and ``kem.services.people.beneficiary_merge`` carries out the same
plan, computed by the same function on the same facts, so the page and the merge cannot disagree.

Records that clash are found from the models' own unique constraints: for every relation of
``person_relations`` (and, below a clashing pair, every relation pointing at those records), a
``UniqueConstraint`` that names the relation's field (or a one-to-one field) allows one record per
person (per parent) for the same values of its other fields under its condition. Two such records,
one of each side, are a pair; the model's ``MergeRule`` (``kem.registry``, registered by the app
that owns the model) decides which one is kept. A pair of a model without a rule refuses the merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.models import HistoricalChanges

from kem.models import Beneficiary, HouseholdMember
from kem.registry import MergeRule, merge_rule
from kem.selectors.people import person_relations

SURVIVOR, DUPLICATE = "survivor", "duplicate"


@dataclass(frozen=True)
class Pair:
    """Two records that cannot both stay: ``first`` on the surviving side, ``second`` on the other."""

    model: type[models.Model]
    field_name: str  # the field that points at the parent (the person, or a clashing record)
    first: Any
    second: Any
    first_children: dict[str, int]
    second_children: dict[str, int]
    children: tuple[Pair, ...] = ()  # pairs among their children, should they be joined

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


@dataclass(frozen=True)
class MergeFacts:
    """What the two records hold: the duplicate's records per relation, and the pairs that clash."""

    moving: dict[str, int]  # Relation.key -> the duplicate's records (movable)
    labels: dict[str, str]  # Relation.key -> what they are, in words
    pairs: tuple[Pair, ...]


@dataclass(frozen=True)
class Combination:
    """Two clashing records become one: ``kept`` stays, ``dropped`` gives it its children and retires."""

    model: type[models.Model]
    kept: Any
    dropped: Any
    kept_side: str  # SURVIVOR: the record on the surviving side (this record) is kept
    rule: MergeRule
    moved: dict[str, int]  # child model label -> records that move from dropped onto kept
    children: tuple[Combination, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def describe(self) -> str:
        """E.g. "2 enrolments in Greek A1 (Athens) become one: kept this record's (the one ...)"."""
        whose = _("this record's") if self.kept_side == SURVIVOR else _("the duplicate's")
        return _("Two %(what)s for %(about)s become one: %(whose)s is kept (%(why)s).") % {
            "what": self.model._meta.verbose_name_plural,
            "about": self.rule.about(self.kept),
            "whose": whose,
            "why": self.rule.why,
        }

    def details(self) -> list[str]:
        """What happens below it: children moved onto the kept record, children recorded on both."""
        lines = []
        for label, count in sorted(self.moved.items()):
            lines.append(
                ngettext(
                    "%(count)s %(what)s moves onto the kept one.",
                    "%(count)s %(what)s move onto the kept one.",
                    count,
                )
                % {"count": count, "what": _verbose(label, count)}
            )
        by_model: dict[str, list[Combination]] = {}
        for child in self.children:
            by_model.setdefault(child.label, []).append(child)
        for label, children in sorted(by_model.items()):
            lines.append(
                _("%(what)s recorded on both: %(count)s (%(why)s).")
                % {
                    "count": len(children),
                    "what": capfirst(_verbose(label, 2)),
                    "why": children[0].rule.why,
                }
            )
        return lines


@dataclass(frozen=True)
class MergePlan:
    moves: dict[str, int]  # Relation.key -> the duplicate's records that move as they are
    labels: dict[str, str]
    combinations: tuple[Combination, ...]
    refusals: tuple[str, ...]

    def counts(self) -> dict[str, int]:
        """What ``MergeRecord.moved`` records: numbers only, never a value of the person's."""
        counts = {key: n for key, n in self.moves.items() if n}
        stack = list(self.combinations)
        while stack:
            combination = stack.pop()
            key = f"combined.{combination.label}"
            counts[key] = counts.get(key, 0) + 1
            for label, n in combination.moved.items():
                counts[f"moved_onto_kept.{label}"] = counts.get(f"moved_onto_kept.{label}", 0) + n
            stack.extend(combination.children)
        return counts

    def move_lines(self) -> list[tuple[str, int]]:
        return [(self.labels[key], n) for key, n in sorted(self.moves.items()) if n]


def _verbose(label: str, count: int) -> str:
    from django.apps import apps

    meta = apps.get_model(label)._meta
    return str(meta.verbose_name if count == 1 else meta.verbose_name_plural)


# --- facts ----------------------------------------------------------------------------------------


def child_relations(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    """The relations pointing at ``model`` whose records belong to it (history tables left out)."""
    return [
        rel
        for rel in model._meta.related_objects
        if not rel.many_to_many and not issubclass(rel.related_model, HistoricalChanges)
    ]


def _unique_keys(model: type[models.Model], field_name: str) -> list[tuple[list[str], Any]]:
    """(other fields' attnames, condition) of every unique rule of ``model`` naming ``field_name``."""
    keys: list[tuple[list[str], Any]] = []
    if model._meta.get_field(field_name).unique:
        keys.append(([], None))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and field_name in constraint.fields:
            others = [model._meta.get_field(n).attname for n in constraint.fields if n != field_name]
            keys.append((others, constraint.condition))
    return keys


def _children_counts(model: type[models.Model], record: Any) -> dict[str, int]:
    counts = {}
    for rel in child_relations(model):
        n = rel.related_model._base_manager.filter(**{rel.field.name: record}).count()
        if n:
            counts[rel.related_model._meta.label_lower] = n
    return counts


def _pairs(model: type[models.Model], field_name: str, first: Any, second: Any) -> list[Pair]:
    """Records of ``model`` pointing (by ``field_name``) at ``first`` and at ``second`` that a unique
    rule allows only once per parent; children pairs worked out below each pair."""
    found: dict[Any, Pair] = {}
    for others, condition in _unique_keys(model, field_name):
        rows: list[dict[tuple[Any, ...], Any]] = []
        for parent in (first, second):
            queryset = model._base_manager.filter(**{field_name: parent})
            if condition is not None:
                queryset = queryset.filter(condition)
            rows.append({tuple(getattr(r, name) for name in others): r for r in queryset})
        for key, a in rows[0].items():
            b = rows[1].get(key)
            if b is None or b.pk in found:
                continue
            children = tuple(
                child
                for rel in child_relations(model)
                for child in _pairs(rel.related_model, rel.field.name, a, b)
            )
            found[b.pk] = Pair(
                model=model,
                field_name=field_name,
                first=a,
                second=b,
                first_children=_children_counts(model, a),
                second_children=_children_counts(model, b),
                children=children,
            )
    return list(found.values())


def merge_facts(*, survivor: Beneficiary, duplicate: Beneficiary) -> MergeFacts:
    """Read what the merge of ``duplicate`` into ``survivor`` would touch (no write)."""
    moving: dict[str, int] = {}
    labels: dict[str, str] = {}
    pairs: list[Pair] = []
    for relation in person_relations():
        count = relation.movable(duplicate, survivor).count()
        if count:
            moving[relation.key] = count
            labels[relation.key] = relation.label
            pairs.extend(_pairs(relation.model, relation.field.name, survivor, duplicate))
    return MergeFacts(moving=moving, labels=labels, pairs=tuple(pairs))


# --- the plan (pure) ------------------------------------------------------------------------------


def _combination(pair: Pair, rule: MergeRule, refusals: list[str]) -> Combination:
    first_rank = rule.rank(pair.first, pair.first_children)
    second_rank = rule.rank(pair.second, pair.second_children)
    if second_rank > first_rank:
        kept, dropped, side, dropped_children = pair.second, pair.first, DUPLICATE, pair.first_children
    else:
        kept, dropped, side, dropped_children = pair.first, pair.second, SURVIVOR, pair.second_children
    moved = dict(dropped_children)
    children = []
    for child in pair.children:
        child_rule = merge_rule(child.label)
        if child_rule is None:
            refusals.append(_refusal(child))
            continue
        # The kept record's child is the first of the child pair when the surviving side is kept.
        oriented = child if side == SURVIVOR else _swapped(child)
        combined = _combination(oriented, child_rule, refusals)
        children.append(combined)
        # Of the pair, the dropped record's child moves onto the kept record when it is the better
        # one (the kept record's own child retires instead), and retires when it is not.
        if combined.kept_side == SURVIVOR and not child_rule.keeps_dropped:
            moved[child.label] = moved.get(child.label, 0) - 1
    moved = {label: n for label, n in moved.items() if n > 0}
    return Combination(
        model=pair.model,
        kept=kept,
        dropped=dropped,
        kept_side=side,
        rule=rule,
        moved=moved,
        children=tuple(children),
    )


def _swapped(pair: Pair) -> Pair:
    return Pair(
        model=pair.model,
        field_name=pair.field_name,
        first=pair.second,
        second=pair.first,
        first_children=pair.second_children,
        second_children=pair.first_children,
        children=tuple(_swapped(child) for child in pair.children),
    )


def _refusal(pair: Pair) -> str:
    if pair.model is HouseholdMember:
        # The same words as the merge's own check (kem.services.people._check_mergeable).
        return _("Both records belong to a household. Unlink one of them first.")
    return _("Both records hold %(what)s for %(about)s that cannot be combined. Resolve that first.") % {
        "what": pair.model._meta.verbose_name_plural,
        "about": str(pair.first),
    }


def merge_plan(facts: MergeFacts) -> MergePlan:
    """The plan: which records move as they are, which pairs become one (and which record of each is
    kept), and why the merge is refused if it is. A pure function of ``facts``."""
    refusals: list[str] = []
    combinations = []
    moves = dict(facts.moving)
    for pair in facts.pairs:
        rule = merge_rule(pair.label)
        if rule is None:
            refusals.append(_refusal(pair))
            continue
        combination = _combination(pair, rule, refusals)
        combinations.append(combination)
        if not rule.keeps_dropped and combination.kept_side == SURVIVOR:
            # The duplicate's record retires (deleted): it is not among those that move.
            moves[f"{pair.label}.{pair.field_name}"] -= 1
    return MergePlan(
        moves=moves,
        labels=dict(facts.labels),
        combinations=tuple(combinations),
        refusals=tuple(dict.fromkeys(refusals)),
    )
