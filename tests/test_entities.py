"""Entities: people, places and organisations read from capitalised names, and what is not one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.entities import Entity, EntityKind, find_entities, merge_spellings

PERSON, PLACE, ORGANISATION = EntityKind.PERSON, EntityKind.PLACE, EntityKind.ORGANISATION


def found(*sentences: str) -> set[tuple[str, str]]:
    return {(e.kind.value, e.name) for e in find_entities(sentences)}


@pytest.mark.parametrize(
    ("sentence", "entity"),
    [
        # people: a title before, or named as the speaker
        ("UN rights chief Michelle Bachelet called for calm.", ("person", "Michelle Bachelet")),
        ("Syrian President Bashar al-Assad visited the front.", ("person", "Bashar al-Assad")),
        ("Prime Minister Boris Johnson spoke.", ("person", "Boris Johnson")),
        ("Mr. John Smith left.", ("person", "John Smith")),
        ("UN Secretary-General Antonio Guterres was briefed.", ("person", "Antonio Guterres")),
        ('"It failed," David Swanson, a UN spokesman, said.', ("person", "David Swanson")),
        ("The crowd cheered, said Frank Graham, a witness.", ("person", "Frank Graham")),
        # places: countries, aliases, demonyms, cues
        ("Talks opened in Syria on Monday.", ("place", "Syria")),
        ("Aid crossed from Turkey overnight.", ("place", "Turkey")),
        ("Some 350,000 Syrians fled.", ("place", "Syria")),
        ("Russian jets struck again.", ("place", "Russia")),
        ("Iraqi forces advanced.", ("place", "Iraq")),
        ("The Nigerian army said so.", ("place", "Nigeria")),
        ("Fighting spread across Idlib province.", ("place", "Idlib")),
        ("Jets pounded the city of Maarat al-Numan.", ("place", "Maarat al-Numan")),
        ("Envoys met in Geneva.", ("place", "Geneva")),
        ("The U.S. sent aid.", ("place", "United States")),
        # organisations: cue words, known bodies, acronyms
        ("Russia's Defense Ministry denied it.", ("organisation", "Defense Ministry")),
        ("The UN Security Council met.", ("organisation", "UN Security Council")),
        ("Officials of the United Nations agreed.", ("organisation", "United Nations")),
        ("The Syrian Observatory for Human Rights counted.",
         ("organisation", "Syrian Observatory for Human Rights")),
        ("The U.N. said it would help.", ("organisation", "UN")),
        ("A report by OCHA was published.", ("organisation", "OCHA")),
        ("The Bank of England raised rates.", ("organisation", "Bank of England")),
        ("Shares of Acme Widgets Inc fell.", ("organisation", "Acme Widgets Inc")),
        ("Observers of the Kremlin disagreed.", ("organisation", "Kremlin")),
    ],
)  # fmt: skip
def test_names_are_classified_by_the_words_in_and_around_them(
    sentence: str, entity: tuple[str, str]
) -> None:
    assert entity in found(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The offensive resumed on Thursday.",  # sentence-initial "The", a weekday
        "In January the talks failed.",  # a month
        "Rescuers said dozens were trapped.",  # a first word that is not a name
        "Residents and rescuers said towns were in ruins.",
        "Bachelet said civilians were dying.",  # a surname alone
        "Many Syrians said they would leave.",  # a place inside a would-be person
        "It is one of the main urban centres.",
        "Officials met Mr. Smith.",  # one word after a title
        "Aid agencies, the Council said, were overwhelmed.",  # a cue word alone
        "Iranian-backed militias advanced.",  # a hyphenated adjective
        "The deal was signed on Dec. 27 at 10 AM.",
        "Shelling hit a zone in de-escalation talks.",  # a prefix, not a particle
    ],
)
def test_what_is_not_a_recognisable_name_gives_nothing(sentence: str) -> None:
    names = {name for _, name in found(sentence)}
    assert names <= {"Iran"}, names  # at most a place the sentence really names
    assert not {"The", "In", "Rescuers", "Residents", "Bachelet", "Many Syrians", "It"} & names
    assert not {"Thursday", "January", "Dec", "Council", "Smith", "AM"} & names


def test_possessives_split_a_run_and_are_dropped() -> None:
    assert found("Syria's war-torn economy and Russia's Defense Ministry.") == {
        ("place", "Syria"),
        ("place", "Russia"),
        ("organisation", "Defense Ministry"),
    }


def test_a_run_without_a_cue_is_split_at_its_connectors() -> None:
    names = {name for _, name in found("Envoys met in Republic of Korea.")}
    assert "Republic of Korea" not in names


def test_each_name_is_listed_once_sorted_by_kind_and_name() -> None:
    result = find_entities(["Syria and Russia met in Syria.", "The UN and Syria talked."])
    assert result == (
        Entity(kind=ORGANISATION, name="UN"),
        Entity(kind=PLACE, name="Russia"),
        Entity(kind=PLACE, name="Syria"),
    )


def test_the_seed_story_names_its_people_places_and_organisations() -> None:
    story = [
        "United Nations human rights chief Michelle Bachelet called on Jan. 17 for an immediate"
        " cessation of hostilities in Syria's opposition-held Idlib province.",
        "Paulo Pinheiro, chairman of the UN Commission of Inquiry on Syria, told reporters on"
        " Thursday that families were running short of food.",
        "Conditions were deteriorating, the UN Office for the Coordination of Humanitarian"
        " Affairs (OCHA) said in its latest situation report.",
    ]
    assert found(*story) == {
        ("organisation", "United Nations"),
        ("person", "Michelle Bachelet"),
        ("place", "Syria"),
        ("place", "Idlib"),
        ("person", "Paulo Pinheiro"),
        ("organisation", "UN Commission of Inquiry on Syria"),
        ("organisation", "UN Office for the Coordination of Humanitarian Affairs"),
        ("organisation", "OCHA"),
    }


@given(st.lists(st.text(), max_size=4))
def test_any_text_gives_sorted_unique_non_empty_names(texts: list[str]) -> None:
    entities = find_entities(texts)
    assert list(entities) == sorted(set(entities))
    assert all(e.name.strip() == e.name and e.name for e in entities)
    # as written, or a place a demonym names, or an acronym written without its dots
    assert all(e.name in " ".join(texts) or e.kind == PLACE or e.name.isupper() for e in entities)


def test_spelling_variants_share_one_tag_and_close_but_different_names_do_not() -> None:
    spelling = merge_spellings(
        {
            "Maaret Al Numan": 1,
            "Maarat al-Numan": 2,
            "Slovakia": 1,
            "Slovenia": 1,
            "Michelle": 1,
            "Michelle Bachelet": 3,
        }
    )
    assert spelling["Maaret Al Numan"] == "Maarat al-Numan"
    assert spelling["Slovakia"] == "Slovakia"  # two countries, never one tag
    assert spelling["Slovenia"] == "Slovenia"
    assert spelling["Michelle"] == "Michelle"  # a part of a name is not a spelling of it


def _merge_spellings_one_by_one(events_naming: dict[str, int]) -> dict[str, str]:
    """`merge_spellings` as it was: each name against every spelling chosen before it in
    its two-letter block, in the order chosen (quadratic, 2.7 million comparisons at
    100,000 articles)."""
    from digest.entities import _is_variant, _letters, _places

    countries = set(_places().values())
    chosen: dict[str, list[tuple[str, str]]] = {}
    spelling: dict[str, str] = {}
    for name in sorted(events_naming, key=lambda n: (-events_naming[n], n)):
        key = _letters(name)
        block = chosen.setdefault(key[:2], [])
        spelling[name] = next(
            (o for o, o_key in block if _is_variant(key, o_key, name, o, countries)), name
        )
        if spelling[name] == name:
            block.append((name, key))
    return spelling


_NEAR_NAMES = st.builds(
    lambda stem, tail: stem + tail,
    st.sampled_from(["Maarat al-Numan", "Ma", "Slovakia", "Slovenia", "Abu Dhabi", "Mab"]),
    st.text(alphabet="aen -", max_size=14),
)


@given(st.dictionaries(_NEAR_NAMES, st.integers(1, 4), max_size=40))
def test_spellings_are_merged_as_comparing_each_name_with_every_chosen_one(
    events_naming: dict[str, int],
) -> None:
    # only the spellings of a close length are compared with a name: none missed, and
    # of several variants the most used still wins
    assert merge_spellings(events_naming) == _merge_spellings_one_by_one(events_naming)
