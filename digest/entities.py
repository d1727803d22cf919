"""People, places and organisations named in an event's story, for the tag pages.

A heuristic, not a trained recogniser. A name is a run of capitalised words inside a
sentence (`Michelle Bachelet`, `UN Office for the Coordination of Humanitarian Affairs`,
`Maarat al-Numan`), and it is kept only when something in the text says what it is:

- **organisation**: a cue word in the name (`Ministry`, `Council`, `Forces`, …), a known
  body (`United Nations`), or an acronym (`OCHA`, `U.N.`);
- **place**: a country or territory as Babel's CLDR data names it in English (plus a few
  common names CLDR does not use, such as `Turkey`), a demonym derived from one
  (`Syrian` → Syria), or a place cue (`Idlib province`, `in Geneva`, `city of Aleppo`);
- **person**: two or more words after a title (`rights chief Michelle Bachelet`,
  `President Bashar al-Assad`) or named as the speaker of a statement
  (`David Swanson, UN regional spokesman, said`, as `digest.quotes.speaker_of` reads it).

Anything else is dropped: a lone capitalised word (`Rescuers`, a surname alone, a cue
word alone), function words (`The`, `In`), weekdays and months, a common word opening a
sentence before `of` (`Officials of the UN` gives `UN`). The limits are those of
capitalisation: English text only, no city without a cue, a person named only by
surname or with one word after a title (`President Erdogan`) is missed, an acronym
shares its full name's tag only where some story writes both (`expand_acronyms`), a
sentence in capitals reads as acronyms, and a name that fits two rules (a person
called `Jordan`) takes the first (organisation, then place, then person).
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from babel import Locale
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from digest.normalize import MONTHS, WEEKDAYS
from digest.quotes import ROLE_SYNONYMS, speaker_of
from digest.similarity import STOP_WORDS
from digest.text import fold, sentences_of


class EntityKind(StrEnum):
    """What a name refers to; the values are the `events.json` spellings."""

    PERSON = "person"
    PLACE = "place"
    ORGANISATION = "organisation"


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class Entity:
    """A name found in a story, with what it was taken to be."""

    kind: EntityKind
    name: str
    """As written (possessive dropped, `U.N.` as `UN`), or the country a demonym names."""


ORGANISATION_CUES = frozenset(
    """ministry council agency committee commission army forces force party union bank
    university inc ltd llc corp corporation company group organization organisation office
    court department police front movement institute foundation fund programme program
    assembly parliament senate congress observatory association federation league brigade
    brigades guard navy coalition alliance authority service services network airlines
    nations cross crescent times news post press tribunal secretariat""".split()
)
"""Words that make a capitalised name an organisation wherever they stand in it."""
KNOWN_ORGANISATIONS = frozenset({"kremlin", "pentagon", "white house", "reuters"})
PLACE_CUES_AFTER = frozenset(
    "province city region governorate district county village town camp countryside".split()
)
"""Lower-case words that, right after a name, make it a place (`Idlib province`)."""
PLACE_CUES_BEFORE = frozenset({"in", "near", "outside", "across", "into", "around"})
"""Words that, right before a name without a possessive, make it a place (`in Geneva`)."""
PLACE_CUE_PHRASES = ("city of", "town of", "village of", "province of", "region of")
TITLES = frozenset(ROLE_SYNONYMS) | frozenset(
    """mr mrs ms dr prof sir dame president vice-president king queen prince princess pope
    sheikh emir sultan senator sen rep lieutenant colonel col captain capt sergeant sgt
    premier chancellor rapporteur activist analyst journalist lawyer professor""".split()
)
"""Words that, right before a name, make it a person (`chief Michelle Bachelet`)."""
NOT_ACRONYMS = frozenset("AM PM TV OK II III IV CEO GMT UTC DNA GDP COVID".split())
CONNECTORS = frozenset({"of", "for", "the", "on"})
"""Lower-case words allowed inside an organisation's name (`Commission of Inquiry on Syria`)."""
_NOT_PLACES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
"""CLDR territory codes that are not places a story is in (the EU, `Unknown Region`)."""
PLACE_ALIASES = {
    "Turkey": "Turkey", "Britain": "United Kingdom", "Great Britain": "United Kingdom",
    "UK": "United Kingdom", "US": "United States", "USA": "United States",
    "America": "United States", "UAE": "United Arab Emirates", "Burma": "Myanmar",
    "Palestine": "Palestine", "Gaza": "Gaza", "West Bank": "West Bank", "Crimea": "Crimea",
    "Congo": "Congo", "Ivory Coast": "Côte d’Ivoire", "Czech Republic": "Czechia",
}  # fmt: skip
"""Common English names of places CLDR names otherwise or not at all (`Türkiye`)."""
DEMONYMS = {
    "Turkish": "Turkey", "British": "United Kingdom", "American": "United States",
    "French": "France", "German": "Germany", "Chinese": "China", "Dutch": "Netherlands",
    "Swiss": "Switzerland", "Saudi": "Saudi Arabia", "Afghan": "Afghanistan",
    "Palestinian": "Palestine", "Greek": "Greece", "Spanish": "Spain", "Polish": "Poland",
    "Swedish": "Sweden", "Danish": "Denmark", "Finnish": "Finland", "Irish": "Ireland",
    "Filipino": "Philippines", "Emirati": "United Arab Emirates", "Qatari": "Qatar",
}  # fmt: skip
"""Demonyms the suffix rules of `_derived_demonyms` cannot make."""

_WORD = re.compile(r"[^\W_](?:[\w'’.-]*[^\W_])?\.?")
_INITIALISM = re.compile(r"(?:[A-Z]\.){2,}")
_ACRONYM = re.compile(r"[A-Z][A-Z0-9]{1,5}")
_PARTICLE = re.compile(r"(?:al|el|ad|as|an|ash|at|ar|bin|ibn|abu|de|da|di|du|van|von|der)-[A-ZÀ-Þ]")
"""A lower-case particle joined to a name (`al-Numan`), not a word (`de-escalation`)."""
_NOT_NAMES = frozenset(WEEKDAYS) | frozenset(MONTHS) | STOP_WORDS


@dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    """Adjacent name words of a sentence, with what stands right before and after them."""

    words: tuple[str, ...]
    before: str
    """The text of the sentence before the run."""
    after: str
    """The text of the sentence after the run."""
    titled: bool = False
    """The run follows a title word inside the same run of capitals (`President Assad`)."""
    possessive: bool = False
    """The run's last word was possessive (`Idlib's`): then `in` before it is no place cue."""


def find_entities(sentences: Iterable[str]) -> tuple[Entity, ...]:
    """The people, places and organisations a story names, sorted by kind and name.

    >>> found = find_entities([
    ...     "The UN said 350,000 Syrians fled Idlib province, near Turkey.",
    ...     "UN rights chief Michelle Bachelet called for calm in Geneva on Thursday.",
    ...     "Rescuers said Russia's Defense Ministry denied it.",
    ... ])
    >>> [(e.kind.value, e.name) for e in found]  # doctest: +NORMALIZE_WHITESPACE
    [('organisation', 'Defense Ministry'), ('organisation', 'UN'),
     ('person', 'Michelle Bachelet'),
     ('place', 'Geneva'), ('place', 'Idlib'), ('place', 'Russia'), ('place', 'Syria'),
     ('place', 'Turkey')]
    """
    found: set[Entity] = set()
    for text in sentences:
        for sentence in sentences_of(text):
            for run in _runs(sentence):
                found.update(_classify(run, sentence))
    return tuple(sorted(found))


SPELLING_MIN_LETTERS = 8
"""Shorter names are too close to other names to merge on spelling (Iran, Iraq)."""


def merge_spellings(events_naming: Mapping[str, int]) -> dict[str, str]:
    """Map each name to the spelling most events use among its variants.

    Sources transliterate names differently (`Maarat al-Numan`, `Maaret Al Numan`): one
    tag should gather them. Two names are variants when their letters (folded, without
    spaces and hyphens) differ by at most one edit in six; a name that only extends the
    other (`Michelle`, `Michelle Bachelet`) is not a variant, nor are two country names.

    >>> merge_spellings({"Maarat al-Numan": 3, "Maaret Al Numan": 1, "Iraq": 2, "Iran": 1})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'Maarat al-Numan': 'Maarat al-Numan', 'Iraq': 'Iraq', 'Iran': 'Iran',
     'Maaret Al Numan': 'Maarat al-Numan'}
    """
    countries = set(_places().values())
    chosen: defaultdict[tuple[str, int], _Spellings] = defaultdict(_Spellings)
    spelling: dict[str, str] = {}
    for rank, name in enumerate(sorted(events_naming, key=lambda n: (-events_naming[n], n))):
        key = _letters(name)
        spelling[name] = _first_variant(key, name, chosen, countries) or name
        if spelling[name] == name and len(key) >= SPELLING_MIN_LETTERS:
            chosen[key[:2], len(key)].add(rank, name, key)
    return spelling


@dataclass(slots=True)
class _Spellings:
    """The spellings `merge_spellings` chose of one block and length, in the order chosen."""

    ranks: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    def add(self, rank: int, name: str, key: str) -> None:
        self.ranks.append(rank)
        self.names.append(name)
        self.keys.append(key)


def _first_variant(
    key: str, name: str, chosen: Mapping[tuple[str, int], _Spellings], countries: set[str]
) -> str | None:
    """The first spelling chosen (the most used) that `name` is a variant of, if any.

    Compared only with the spellings that could be one: those with the same first two
    letters (the blocks `merge_spellings` always had) and a length within the edits
    allowed (the edit distance is at least the difference of the lengths), the edit
    distances of each block and length at once (`rapidfuzz.process.extract`, in C). At
    100,000 articles (21,642 names) a name was compared with the others one at a time,
    2.7 million comparisons in Python.
    """
    if len(key) < SPELLING_MIN_LETTERS:
        return None
    first: tuple[int, str] | None = None
    for length in range(len(key) - len(key) // 6 - 1, len(key) + len(key) // 6 + 1):
        spellings = chosen.get((key[:2], length))
        if spellings is None:
            continue
        edits = min(len(key), length) // 6
        close = process.extract(
            key,
            spellings.keys,
            scorer=Levenshtein.distance,
            processor=None,
            score_cutoff=edits,
            limit=None,
        )
        for index in sorted(index for _, _, index in close):
            other, rank = spellings.names[index], spellings.ranks[index]
            if _is_variant(key, spellings.keys[index], name, other, countries):
                if first is None or rank < first[0]:
                    first = (rank, other)
                break
    return first[1] if first else None


def expand_acronyms(found: Iterable[Iterable[Entity]]) -> dict[str, str]:
    """Map an acronym to the organisation it abbreviates, where one story names both.

    `UN` is `United Nations` only where a story says so: an acronym joins the name
    whose initials it spells (connectors such as `for`, `the` left out) when both are in
    one story's entities; if stories disagree, the name most stories pair it with wins.

    >>> org = EntityKind.ORGANISATION
    >>> un, united = (Entity(kind=org, name=n) for n in ("UN", "United Nations"))
    >>> expand_acronyms([(un, united), (un,)])
    {'UN': 'United Nations'}
    """
    pairs: Counter[tuple[str, str]] = Counter()
    for entities in found:
        names = {e.name for e in entities if e.kind is EntityKind.ORGANISATION}
        for name in names:
            for acronym in _initials(name) & names:
                pairs[acronym, name] += 1
    expansion: dict[str, str] = {}
    for (acronym, name), _ in sorted(pairs.items(), key=lambda item: (-item[1], item[0])):
        expansion.setdefault(acronym, name)
    return expansion


def _initials(name: str) -> set[str]:
    """`United Nations` → `UN`; `U.N. Office for the Coordination of Humanitarian Affairs`
    → `UOCHA` and, without the parent body's acronym, `OCHA`; a one-word name has none."""
    words = [w for w in name.split() if w not in CONNECTORS]
    if len(words) > 1 and _is_acronym(words[0]):
        return {"".join(w[0] for w in words), *_initials(" ".join(words[1:]))}
    return {"".join(w[0] for w in words)} if len(words) > 1 else set()


def _letters(name: str) -> str:
    return "".join(char for char in fold(name) if char.isalnum())


def _is_variant(key: str, other_key: str, name: str, other: str, countries: set[str]) -> bool:
    if min(len(key), len(other_key)) < SPELLING_MIN_LETTERS or {name, other} <= countries:
        return False
    if key.startswith(other_key) or other_key.startswith(key):
        return False
    return bool(Levenshtein.distance(key, other_key) <= min(len(key), len(other_key)) // 6)


def _runs(sentence: str) -> Iterator[_Run]:
    """The runs of capitalised words of a sentence, split at possessives and titles."""
    words = list(_WORD.finditer(sentence))
    index = 0
    while index < len(words):
        if not _is_name_word(words[index].group(), initial=_is_initial(sentence, words[index])):
            index += 1
            continue
        end = index + 1
        while end < len(words) and _joins(sentence, words, end):
            end += 1
        yield from _split(sentence, words[index:end])
        index = end


def _joins(sentence: str, words: list[re.Match[str]], end: int) -> bool:
    """Tell whether the word at `end` continues the run before it."""
    previous, word = words[end - 1], words[end]
    if sentence[previous.end() : word.start()] != " " or _possessive(previous.group()):
        return False
    if previous.group().endswith(".") and not _INITIALISM.fullmatch(previous.group()):
        # an initial (`Paulo S. Pinheiro`) or a title (`Gen.`), not the end of a sentence
        return len(previous.group()) == 2 or _is_title(previous.group())
    if _is_name_word(word.group(), initial=False):
        return True
    # A connector joins when a name word follows it (`Office for the Coordination`).
    following = end + 1
    while following < len(words) and words[following].group() in CONNECTORS:
        following += 1
    return (
        word.group() in CONNECTORS
        and following < len(words)
        and sentence[words[following - 1].end() : words[following].start()] == " "
        and _is_name_word(words[following].group(), initial=False)
    )


def _split(sentence: str, matches: list[re.Match[str]]) -> Iterator[_Run]:
    """Split a run without an organisation cue at its connectors and title words.

    `Commission of Inquiry on Syria` stays whole (a cue word); `Republic of Korea` does not,
    and `Syrian President Bashar al-Assad` gives `Syrian` and a titled `Bashar al-Assad`.
    """
    while matches and matches[-1].group() in CONNECTORS:
        matches = matches[:-1]
    if (
        len(matches) > 1
        and matches[1].group() in CONNECTORS
        and _is_initial(sentence, matches[0])
        and not _is_cue(matches[0].group())
    ):
        matches = matches[2:]  # `Officials of the United Nations`: a common noun opens the sentence
        while matches and matches[0].group() in CONNECTORS:
            matches = matches[1:]
    if not matches:
        return
    if any(_is_cue(m.group()) for m in matches):
        yield _make_run(sentence, matches)
        return
    part: list[re.Match[str]] = []
    titled = False
    for match in [*matches, None]:
        if match is None or match.group() in CONNECTORS or _is_title(match.group()):
            if part:
                yield _make_run(sentence, part, titled=titled)
            part, titled = [], match is not None and _is_title(match.group())
        else:
            part.append(match)


def _make_run(sentence: str, matches: list[re.Match[str]], *, titled: bool = False) -> _Run:
    words = [m.group() for m in matches]
    last = words[-1] if _INITIALISM.fullmatch(words[-1]) else words[-1].rstrip(".")
    return _Run(
        words=(*words[:-1], _strip_possessive(last)),
        before=sentence[: matches[0].start()],
        after=sentence[matches[-1].end() :],
        titled=titled,
        possessive=_possessive(last),
    )


def _classify(run: _Run, sentence: str) -> Iterator[Entity]:
    name = " ".join(run.words)
    words_before = fold(run.before).split()
    word_before = words_before[-1].strip("\"“”'‘’(,.") if words_before else ""
    if fold(name) in KNOWN_ORGANISATIONS or (
        len(run.words) >= 2 and any(_is_cue(word) for word in run.words)
    ):
        yield Entity(kind=EntityKind.ORGANISATION, name=name)
    elif len(run.words) == 1 and _is_acronym(name):
        acronym = name.replace(".", "")
        kind = EntityKind.PLACE if acronym in PLACE_ALIASES else EntityKind.ORGANISATION
        yield Entity(kind=kind, name=PLACE_ALIASES.get(acronym, acronym))
    elif (place := _place_named(name)) is not None:
        yield Entity(kind=EntityKind.PLACE, name=place)
    elif _is_person(run, sentence, word_before):
        yield Entity(kind=EntityKind.PERSON, name=name)
    elif _has_place_cue(run, word_before):
        yield Entity(kind=EntityKind.PLACE, name=name)


def _is_person(run: _Run, sentence: str, word_before: str) -> bool:
    """Two or more words, none a place (`Many Syrians said`), after a title or speaking."""
    if len(run.words) < 2 or any(_place_named(word) for word in run.words):
        return False
    return run.titled or word_before in TITLES or _is_speaker(run, sentence)


def _is_speaker(run: _Run, sentence: str) -> bool:
    """Tell whether the sentence names the run as who spoke (`X said`, `said X`)."""
    name = " ".join(run.words)
    clause_start = len(run.before.rstrip()) - len(run.before.rstrip().split(" ")[-1])
    return speaker_of(sentence[max(clause_start, 0) :]) == name


def _has_place_cue(run: _Run, word_before: str) -> bool:
    next_word = fold(run.after).split(maxsplit=1)[:1]
    if next_word and next_word[0].strip(",.;:") in PLACE_CUES_AFTER:
        return True
    if fold(run.before).rstrip().endswith(PLACE_CUE_PHRASES):
        return True
    return word_before in PLACE_CUES_BEFORE and not run.possessive


def _place_named(name: str) -> str | None:
    """The place a name or demonym names (`Syrians` → `Syria`), if it is a known one."""
    places = _places()
    singular = name[:-1] if name.endswith("s") and name[:-1] in places else name
    return places.get(singular)


@functools.cache
def _places() -> dict[str, str]:
    """Every known place name and demonym, mapped to the place's name."""
    territories = {
        name: name
        for code, name in Locale("en").territories.items()
        if not code.isdigit() and code not in _NOT_PLACES
    }
    places = {**territories, **PLACE_ALIASES, **DEMONYMS}
    for demonym, place in _derived_demonyms(territories):
        places.setdefault(demonym, place)
    return places


def _derived_demonyms(territories: dict[str, str]) -> Iterator[tuple[str, str]]:
    """Demonyms by the regular English suffixes: Syria → Syrian, Iraq → Iraqi, Japan → Japanese.

    Only for one-word names; the most common rule comes first, so it wins a clash
    (`Nigerian` is Nigeria's, not Niger's).
    """
    single = [name for name in territories if name.isalpha()]
    for name in single:
        if name.endswith("a"):
            yield name + "n", name
    for suffix in ("ian", "i", "ese", "an"):
        for name in single:
            if name.endswith("e") and suffix == "ian":
                yield name[:-1] + suffix, name
            yield name + suffix, name


def _is_name_word(word: str, *, initial: bool) -> bool:
    """A capitalised word that may be part of a name; a sentence's first word only if it is
    not a common word (`The`, `In`)."""
    if _PARTICLE.match(word):
        return not initial
    if not word[0].isupper() or (fold(word.rstrip(".")) in _NOT_NAMES and not _is_acronym(word)):
        return False
    return "-" not in word or all(part[:1].isupper() for part in word.split("-"))


def _is_initial(sentence: str, match: re.Match[str]) -> bool:
    """Tell whether a word opens the sentence or a quotation in it."""
    before = sentence[: match.start()].rstrip()
    return not before or before[-1] in "\"“‘'(:—"


def _is_cue(word: str) -> bool:
    return fold(word.rstrip(".")) in ORGANISATION_CUES


def _is_title(word: str) -> bool:
    return all(part in TITLES for part in fold(word.rstrip(".")).split("-"))


def _is_acronym(word: str) -> bool:
    acronym = word.replace(".", "")
    return bool(_ACRONYM.fullmatch(acronym)) and acronym not in NOT_ACRONYMS


def _possessive(word: str) -> bool:
    return word.endswith(("'s", "’s", "s'", "s’"))


def _strip_possessive(word: str) -> str:
    return word.removesuffix("'s").removesuffix("’s").rstrip("'’")
