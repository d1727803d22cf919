"""Stable ids: events and storylines keep the ids they were first published with.

Each new event takes the id of the stored event it shares most members with; a stored
event left without one becomes a `Redirect` to the event holding most of its members
(or to nothing). Storylines the same way, by their events. Pure, like
digest/incremental.py, which calls it; docs/about/incremental.md tells the rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from digest.model import Event, Redirect, Storyline
from digest.state import Snapshot


def keep_ids(
    natural: Sequence[str],
    members: Sequence[Iterable[str]],
    stored: Mapping[str, tuple[str, ...]],
    created: Mapping[str, int],
    taken: Iterable[str] = (),
) -> tuple[list[str], dict[str, str | None]]:
    """Give each new item the id of the stored item it shares most members with.

    Ties go to the oldest stored item, then the lower id; an item that shares members
    with no unclaimed stored item keeps its natural id, suffixed `-2`, `-3`… when that
    is taken (by a live or a redirected id). Returns the ids, and for each stored id
    left without an item, the id of the item holding most of its members now (None
    when none does). A member is in one item at most, and in one stored item at most
    (events share no segment, storylines no event).

    An item whose natural id is a stored item's and whose members are that item's (a
    stored event an incremental build kept as it was: 14,000 of 14,100 at 100,000
    articles) takes that id at once: no other item shares a member with it, nor has it
    another to share. Only the others are weighed.

    >>> keep_ids(["b", "new"], [["1", "2", "9"], ["3"]], {"a": ("1", "2")}, {"a": 1})
    (['a', 'new'], {})
    """
    member_sets = [set(m) for m in members]
    ids = {
        i: natural[i]
        for i, items in enumerate(member_sets)
        if natural[i] in stored and items == set(stored[natural[i]])
    }
    claimed = set(ids.values())
    owner = {m: s for s, items in stored.items() if s not in claimed for m in items}
    overlaps = []
    for i, items in enumerate(member_sets):
        if i not in ids:
            counts = Counter(owner[m] for m in items if m in owner)
            overlaps += [(-n, created[s], s, natural[i], i) for s, n in counts.items()]
    for _, _, stored_id, _, i in sorted(overlaps):
        if i not in ids and stored_id not in claimed:
            ids[i] = stored_id
            claimed.add(stored_id)
    used = set(stored) | set(taken)
    for i in sorted(set(range(len(natural))) - set(ids), key=lambda i: (natural[i], i)):
        ids[i] = _free_id(natural[i], used)
        used.add(ids[i])
    final = [ids[i] for i in range(len(natural))]
    return final, _left_behind(stored, claimed, final, member_sets)


def _free_id(natural: str, used: set[str]) -> str:
    candidate, n = natural, 1
    while candidate in used:
        n += 1
        candidate = f"{natural}-{n}"
    return candidate


def _left_behind(
    stored: Mapping[str, tuple[str, ...]],
    claimed: set[str],
    final: Sequence[str],
    member_sets: Sequence[set[str]],
) -> dict[str, str | None]:
    left = sorted(set(stored) - claimed)
    if not left:  # the usual build: every stored item is claimed
        return {}
    holder = {m: final[i] for i, items in enumerate(member_sets) for m in items}
    moved: dict[str, str | None] = {}
    for stored_id in left:
        counts = Counter(holder[m] for m in stored[stored_id] if m in holder)
        best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        moved[stored_id] = best[0][0] if best else None
    return moved


def keep_event_ids(events: Sequence[Event], stored: Snapshot) -> tuple[list[Event], list[Redirect]]:
    ids, moved = keep_ids(
        [e.id for e in events],
        [[s.id for s in e.segments] for e in events],
        {i: e.members for i, e in stored.events.items()},
        {i: e.created for i, e in stored.events.items()},
        taken=[r.id for r in stored.redirects if r.kind == "event"],
    )
    renamed = [replace(e, id=i) if e.id != i else e for e, i in zip(events, ids, strict=True)]
    return renamed, _redirects("event", stored, moved, set(ids))


def keep_storyline_ids(
    events: Sequence[Event], storylines: Sequence[Storyline], stored: Snapshot
) -> tuple[tuple[Event, ...], tuple[Storyline, ...], list[Redirect]]:
    ids, moved = keep_ids(
        [s.id for s in storylines],
        [s.event_ids for s in storylines],
        {i: s.event_ids for i, s in stored.storylines.items()},
        {i: s.created for i, s in stored.storylines.items()},
        taken=[r.id for r in stored.redirects if r.kind == "storyline"],
    )
    rename = {s.id: i for s, i in zip(storylines, ids, strict=True)}
    linked = tuple(replace(e, storyline=rename[e.storyline]) if e.storyline else e for e in events)
    renamed = tuple(sorted((replace(s, id=rename[s.id]) for s in storylines), key=lambda s: s.id))
    return linked, renamed, _redirects("storyline", stored, moved, set(ids))


def _redirects(
    kind: str, stored: Snapshot, moved: Mapping[str, str | None], live: set[str]
) -> list[Redirect]:
    """The stored redirects of `kind` and the new ones, each pointing at a live id or None."""
    target = {r.id: r.target for r in stored.redirects if r.kind == kind} | dict(moved)
    result = []
    for old in sorted(target):
        if old in live:
            continue
        end, seen = target[old], {old}
        while end is not None and end not in live and end not in seen:
            seen.add(end)
            end = target.get(end)
        result.append(Redirect(kind=kind, id=old, target=end if end in live else None))
    return result


def sorted_redirects(redirects: Iterable[Redirect]) -> tuple[Redirect, ...]:
    return tuple(sorted(redirects, key=lambda r: (r.kind, r.id)))
