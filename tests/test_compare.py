from __future__ import annotations

from datetime import date

from digest.align import align_claims
from digest.cluster import group_events
from digest.compare import find_differences
from digest.model import CleanArticle, Difference, DifferenceKind, Event, Segment
from digest.quotes import role_words
from tests.factories import segment

UN_REPORT = (
    "Around 350,000 Syrians, mostly women and children, have fled a renewed Russian-backed "
    "offensive in the opposition-held Idlib province since early December, the United "
    "Nations said {day}."
)
CEASEFIRE = (
    "Russian and Syrian jets resumed bombing of civilian areas two days after a ceasefire "
    "agreed between Turkey and Russia formally took effect {day}."
)
CAMPS = (
    "The latest wave of displaced people comes on top of {figure} people who fled earlier "
    "fighting for the safety of camps near the Turkish border, U.N. officials said."
)


def _event(*segments: Segment) -> Event:
    (event,) = group_events(list(segments), threshold=0.05)
    return event


def _differences(*segments: Segment) -> tuple[Difference, ...]:
    event = _event(*segments)
    return find_differences(event, align_claims(event))


def _story(day: str, ceasefire: str, figure: str) -> str:
    return "\n\n".join(
        [
            UN_REPORT.format(day=day),
            CEASEFIRE.format(day=ceasefire),
            CAMPS.format(figure=figure),
        ]
    )


def test_the_same_report_put_on_different_days_is_a_date_difference() -> None:
    thursday = segment("001.txt", _story("on Thursday", "on Sunday", "close to 400,000"))
    jan17 = segment("002.txt", _story("on Jan. 17", "on Jan. 12", "close to 400,000"))
    (difference,) = _differences(thursday, jan17)
    assert difference.kind is DifferenceKind.DATE
    assert [(v.text, v.normalized, v.segments) for v in difference.values] == [
        ("on Thursday", "2020-01-16", ("001.txt",)),
        ("on Jan. 17", "2020-01-17", ("002.txt",)),
    ]


def test_sunday_and_jan_12_in_a_friday_article_are_not_a_conflict() -> None:
    a = segment("a.txt", _story("on Thursday", "on Sunday", "nearly 400,000"))
    b = segment("b.txt", _story("on Thursday", "on Jan. 12", "close to 400,000"))
    assert _differences(a, b) == ()


def test_a_mangled_figure_in_a_headline_is_reported_as_a_likely_typo() -> None:
    text = _story("on Thursday", "on Sunday", "close to 400,000")
    a = segment("a.txt", text, title="350K Syrians Have Fled Russian-Led Assault in Idlib")
    b = segment("b.txt", text, title="350,0000 Syrians have fled Russian-led assault in Idlib")
    (difference,) = _differences(a, b)
    assert difference.kind is DifferenceKind.NUMBER
    assert {v.normalized for v in difference.values} == {"350,000", "3,500,000"}
    assert difference.note == "likely a typo: 350,0000"


def test_a_changed_figure_in_a_republished_copy_is_reported() -> None:
    a = segment("a.txt", _story("on Thursday", "on Sunday", "close to 400,000"))
    b = segment("b.txt", _story("on Thursday", "on Sunday", "close to 600,000"))
    (difference,) = _differences(a, b)
    assert difference.kind is DifferenceKind.NUMBER
    assert difference.subject == "how many people"


def test_a_copy_differing_only_in_layout_and_quote_marks_has_no_difference() -> None:
    text = _story("on Thursday", "on Sunday", "close to 400,000")
    a = segment("a.txt", text)
    b = segment("b.txt", text.replace("\n\n", "\n\n\n").replace('"', "“"))
    assert _differences(a, b) == ()


def test_a_source_giving_two_tolls_for_one_day_contradicts_itself() -> None:
    text = (
        "At least 40 people have been killed as fighting resumed in Idlib on Thursday.\n\n"
        "The Syrian government launched a ground offensive that killed 39 people on Thursday."
    )
    (difference,) = _differences(segment("004.txt", text))
    assert difference.kind is DifferenceKind.INTERNAL
    assert [v.text for v in difference.values] == ["At least 40 people", "39 people"]


def test_a_page_dateline_months_after_the_article_is_a_metadata_difference() -> None:
    base = segment("004.txt", "Fighting resumed in Idlib on Thursday.")
    article = base.article
    dated = CleanArticle(
        article=article.article,
        title=None,
        source=article.source,
        url=None,
        published=date(2020, 1, 17),
        text=article.text,
        page_dates=(date(2020, 10, 22),),
    )
    (difference,) = _differences(Segment(article=dated, number=None, title=None, text=article.text))
    assert difference.kind is DifferenceKind.METADATA
    assert [v.normalized for v in difference.values] == ["2020-01-17", "2020-10-22"]


SWANSON = (
    '"This latest wave of displacement compounds an already dire humanitarian situation on '
    'the ground in Idlib," David Swanson, Amman-based UN regional spokesman for Syria, {verb}.'
)
PINHEIRO = (
    "Paulo Pinheiro, {title} of the UN Commission of Inquiry on Syria, told reporters that "
    "many uprooted families now in makeshift camps were running short of food and water."
)


def test_the_same_quote_attributed_with_another_verb_is_an_attribution_difference() -> None:
    a = segment("a.txt", SWANSON.format(verb="said"))
    b = segment("b.txt", SWANSON.format(verb="told Reuters"))
    (difference,) = _differences(a, b)
    assert difference.kind is DifferenceKind.ATTRIBUTION
    assert [(v.text, v.segments) for v in difference.values] == [
        ("said", ("a.txt",)),
        ("told Reuters", ("b.txt",)),
    ]


def test_a_quote_in_other_words_is_a_quote_difference() -> None:
    a = segment("a.txt", SWANSON.format(verb="said"))
    translated = SWANSON.format(verb="said").replace(
        "compounds an already dire", "aggravates an already serious"
    )
    (difference,) = _differences(a, segment("b.txt", translated))
    assert difference.kind is DifferenceKind.QUOTE
    assert difference.note == "the same quote in other words: a translation or a paraphrase"


def test_curly_quote_marks_and_excerpts_do_not_make_another_quote() -> None:
    a = segment("a.txt", SWANSON.format(verb="said"))
    curly = SWANSON.format(verb="said").replace('"This', "“This").replace('Idlib,"', "Idlib,”")
    assert _differences(a, segment("b.txt", curly)) == ()
    excerpt = (
        "The UN said the wave of displacement compounded an already dire situation, "
        'calling it "an already dire humanitarian situation on the ground in Idlib", David '
        "Swanson, Amman-based UN regional spokesman for Syria, said."
    )
    assert [d.kind for d in _differences(a, segment("b.txt", excerpt))] == []


def test_one_person_given_two_offices_is_a_name_difference() -> None:
    a = segment("a.txt", PINHEIRO.format(title="chairman"))
    b = segment("b.txt", PINHEIRO.format(title="president"))
    (difference,) = _differences(a, b)
    assert difference.kind is DifferenceKind.NAME
    assert [v.text for v in difference.values] == ["chairman", "president"]


def test_synonymous_titles_are_not_a_difference() -> None:
    a = segment("a.txt", "UN rights chief Michelle Bachelet called for a halt to the fighting.")
    b = segment("b.txt", "The UN rights head Michelle Bachelet called for a halt to the fighting.")
    assert _differences(a, b) == ()


def test_a_name_spelt_two_ways_is_a_name_difference() -> None:
    a = segment("a.txt", "Russian jets pounded the devastated city of Maarat al-Numan on Thursday.")
    b = segment("b.txt", "Russian jets pounded the devastated city of Maaret al-Numan on Thursday.")
    (difference,) = _differences(a, b)
    assert difference.subject == "the spelling of Maarat / Maaret"


def test_us_and_uk_spellings_and_inflections_are_not_name_differences() -> None:
    a = segment("a.txt", "The Defense Ministry said Syrian forces advanced near the Centre.")
    b = segment("b.txt", "The Defence Ministry said Syria's forces advanced near the Center.")
    assert _differences(a, b) == ()


def test_two_figures_of_one_unit_in_a_sentence_are_compared_in_order() -> None:
    text = "The pastor is about 30 years old and the church itself is about 2 years old."
    assert _differences(segment("a.txt", text), segment("b.txt", text)) == ()
    changed = text.replace("about 2 years", "about 3 years")
    (difference,) = _differences(segment("a.txt", text), segment("b.txt", changed))
    assert {v.normalized for v in difference.values} == {"2", "3"}


def test_currency_and_hyphenated_units_count_as_what_is_counted() -> None:
    a = segment("a.txt", "Damage was put at $1 million, but a 36-year-old man was held.")
    b = segment("b.txt", "Damage was put at $2 million, but a 38-year-old man was held.")
    assert sorted(d.subject for d in _differences(a, b)) == ["the age", "the amount in $"]


def test_a_title_with_a_dotless_i_is_no_crash() -> None:
    """`_ROLE` matches `Mınister` (ignoring case, ı is i) but `.lower()` keeps the ı."""
    assert role_words("Prime Mınister Erdoğan spoke, the minister said.") == {
        "minister": "minister"
    }
