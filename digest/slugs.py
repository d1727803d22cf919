"""File names for pages named after article text: outlets (`sources/`) and tags (`tags/`).

An outlet's or a person's name comes from the articles, so it is untrusted: the slug made
from it must always be one plain file name, whatever the name holds.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

MAX_SLUG_LENGTH = 80  # keeps `<folder>/<slug>.md` well under any file system's name limit
UNKNOWN_SOURCE_SLUG = "unknown-source"
RESERVED_SLUGS = frozenset(
    {"index"}  # <folder>/index.md is the folder's index page
    | {"con", "prn", "aux", "nul"}  # Windows device names, even with an extension
    | {f"{device}{n}" for device in ("com", "lpt") for n in range(1, 10)}
)
_HASH_LENGTH = 10


def page_slug(name: str, *, kind: str) -> str:
    """Make a page's file name from a name: ASCII, lowercase, hyphens, at most 80 chars.

    The result is always a plain file name: never empty, never `..` or a path, never a
    Windows device name, never `index`. A reserved slug gets `-KIND` appended; a name with
    nothing ASCII to keep becomes `KIND-` and a stable hash.

    >>> page_slug("Michelle Bachelet", kind="tag"), page_slug("Côte d’Ivoire", kind="tag")
    ('michelle-bachelet', 'cote-divoire')
    >>> [page_slug(name, kind="tag") for name in ("../x", "CON", "\u202eabc")]
    ['x', 'con-tag', 'abc']
    >>> page_slug("Дамаск", kind="tag")
    'tag-f0ddb0227c'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    slug = slug[:MAX_SLUG_LENGTH].rstrip("-")
    if not slug:
        return f"{kind}-{short_hash(name)}"
    return f"{slug}-{kind}" if slug in RESERVED_SLUGS else slug


def source_slug(name: str | None) -> str:
    """Make the file name of an outlet's page (`page_slug`); `unknown-source` for no name.

    >>> source_slug("The Moscow Times"), source_slug("Le Monde — édition")
    ('the-moscow-times', 'le-monde-edition')
    >>> source_slug("../../etc"), source_slug("CON"), source_slug(None)
    ('etc', 'con-source', 'unknown-source')
    >>> source_slug("Аль-Джазира")  # nothing ASCII to keep: a stable hash instead
    'source-0c2638b459'
    """
    if name is None or not name.strip():
        return UNKNOWN_SOURCE_SLUG
    return page_slug(name, kind="source")


def unique_slugs(
    keys: Iterable[K], slug: Callable[[K], str], *, order: Callable[[K], str]
) -> dict[K, str]:
    """Give each key its own slug; on a clash the later key (in `order`) gets a hash suffix.

    >>> unique_slugs(["Enab Baladi", "enab baladi"], lambda k: page_slug(k, kind="x"), order=str)
    {'Enab Baladi': 'enab-baladi', 'enab baladi': 'enab-baladi-605d1aa42e'}
    """
    slugs: dict[K, str] = {}
    taken: set[str] = set()
    for key in sorted(set(keys), key=order):
        candidate = slug(key)
        if candidate in taken:
            candidate = (
                f"{candidate[: MAX_SLUG_LENGTH - _HASH_LENGTH - 1]}-{short_hash(order(key))}"
            )
        taken.add(candidate)
        slugs[key] = candidate
    return slugs


def short_hash(text: str) -> str:
    """Ten hex digits of the text's SHA-256: stable across builds and machines."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_LENGTH]
