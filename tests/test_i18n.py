"""Locales (digest/i18n.py): catalogs, Jinja i18n, formats, and the MkDocs language.

The site's own catalogs (`digest/locales/`) are checked for what must hold whatever they
contain: complete, safe, in step with `digest.pot`. The behaviour is tested on the
fixture catalogs of `tests/data/i18n/locales/` (fr, ar), which translate the strings of
`tests/data/i18n/sample.md.j2`, so it does not depend on the site's strings of the day.
The site's templates are checked by pseudo-translating every message: whatever English
is left on a page is a string that does not go through gettext.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from gettext import NullTranslations, c2py
from pathlib import Path
from typing import Any

import markdown
import pytest
import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from babel.util import pathmatch
from click.testing import CliRunner
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from digest import i18n, render
from digest.cli import main
from digest.config import PROJECT_ROOT, make_config
from digest.i18n import (
    LOCALES_DIR,
    MATERIAL_LANGUAGES,
    MKDOCS_LABELS,
    SOURCE_LOCALE,
    SUPPORTED_LOCALES,
    compile_catalog,
    find_catalog,
    format_date,
    format_month,
    format_number,
    format_timedelta,
    install_i18n,
    list_separators,
    load_translations,
    md_format,
    mkdocs_language,
    mkdocs_overrides,
    read_catalog,
    text_direction,
    translate_mkdocs_labels,
    translation_problems,
)
from digest.markdown_text import md_block, md_inline, yaml_str
from digest.model import BuildResult, DifferenceKind, Stories
from digest.pipeline import run_pipeline
from digest.site_index import index_site
from tests.conftest import DATA, SEEDS
from tests.test_render import sample_result

SAMPLE_DIR = DATA / "i18n"
FIXTURE_LOCALES = SAMPLE_DIR / "locales"
TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != SOURCE_LOCALE]
EVENT_A = "events/2020-01-17-350k-syrians-have-fled-russian-led-assault-in-idlib-un-says.md"


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Each test sees its own warnings: the once-per-locale caches start empty."""
    load_translations.cache_clear()
    mkdocs_language.cache_clear()
    yield
    load_translations.cache_clear()
    mkdocs_language.cache_clear()


@pytest.fixture
def fixture_catalogs(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(i18n, "LOCALES_DIR", FIXTURE_LOCALES)
    return FIXTURE_LOCALES


def site_catalog(locale: str) -> Catalog:
    path = find_catalog(locale, LOCALES_DIR)
    assert path is not None
    return read_catalog(path)


def messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def forms(message: Message) -> list[str]:
    """The translation, one string per plural form ("" where untranslated)."""
    string = message.string
    return [string] if isinstance(string, str) else list(string or ())


def material_languages_dir() -> Path:
    spec = importlib.util.find_spec("material")
    assert spec is not None
    assert spec.origin is not None
    return Path(spec.origin).parent / "templates" / "partials" / "languages"


# --- The site's catalogs ----------------------------------------------------------------


def test_each_translated_locale_has_a_catalog() -> None:
    catalogs = sorted(path.parent.parent.name for path in LOCALES_DIR.glob("*/LC_MESSAGES/*.po"))
    assert catalogs == sorted(TRANSLATED)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated(locale: str) -> None:
    """Fails when `make messages` brought a new or changed string: translate it."""
    catalog = site_catalog(locale)
    untranslated = [
        message.id
        for message in messages(catalog)
        if message.fuzzy
        or not all(forms(message))
        or len(forms(message)) != (catalog.num_plurals if message.pluralizable else 1)
    ]
    assert untranslated == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_placeholders_and_markup(locale: str) -> None:
    problems = {
        message.id: translation_problems(message)
        for message in messages(site_catalog(locale))
        if translation_problems(message)
    }
    assert problems == {}


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_follows_the_template(locale: str) -> None:
    """The same messages as digest.pot (run `make messages`), and Babel's plural rule."""
    with (LOCALES_DIR / "digest.pot").open("rb") as pot:
        template = read_po(pot)
    catalog = site_catalog(locale)
    assert [(m.id, m.context) for m in messages(catalog)] == [
        (m.id, m.context) for m in messages(template)
    ]
    assert dict(catalog.mime_headers)["Language"] == locale
    assert catalog.plural_forms == get_plural(locale).plural_forms


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_compiles_and_serves_every_translation(
    locale: str, caplog: pytest.LogCaptureFixture
) -> None:
    translations = load_translations(locale)
    assert caplog.records == []
    catalog = site_catalog(locale)
    form = c2py(catalog.plural_expr)
    for message in messages(catalog):
        if isinstance(message.id, str) and message.context:
            assert translations.pgettext(message.context, message.id) == message.string
            continue
        if isinstance(message.id, str):
            assert translations.gettext(message.id) == message.string
            continue
        singular, plural = message.id
        for n in range(200):
            assert translations.ngettext(singular, plural, n) == forms(message)[form(n)]


def _mapping() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    with (PROJECT_ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        mapping: tuple[list[tuple[str, str]], dict[str, dict[str, str]]]
        mapping = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
        return mapping


def test_extraction_covers_the_templates_and_the_code() -> None:
    method_map, _ = _mapping()
    for path, method in (
        ("templates/event.md.j2", "jinja2"),
        ("templates/pdf/briefing.html.j2", "jinja2"),
        ("digest/render.py", "python"),
        ("digest/ingest/txt.py", "python"),
    ):
        assert [m for pattern, m in method_map if pathmatch(pattern, path)][:1] == [method]
    assert not any(pathmatch(pattern, "tests/data/i18n/sample.md.j2") for pattern, _ in method_map)


def test_the_template_catalog_holds_every_message_of_the_code() -> None:
    """A string added to a template or to `digest/` is in digest.pot: run `make messages`."""
    method_map, options_map = _mapping()
    extracted = set()
    for pattern, method in method_map:
        for path in sorted(PROJECT_ROOT.glob(pattern.replace("**", "**/*"))):
            options = options_map.get(pattern, {})
            for _, message, _, context in extract_from_file(method, path, options=options):
                extracted.add((message if isinstance(message, str) else message[0], context))
    with (LOCALES_DIR / "digest.pot").open("rb") as pot:
        template = read_po(pot)
    ids = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in messages(template)}
    assert extracted == ids


def test_extraction_finds_the_ids_the_templates_look_up(fixture_catalogs: Path) -> None:
    """babel.cfg's Jinja options match install_i18n's: `%` as `%%`, trimmed whitespace."""
    _, options_map = _mapping()
    extracted = [
        message
        for _, message, _, _ in extract_from_file(
            "jinja2", SAMPLE_DIR / "sample.md.j2", options=options_map["templates/**.j2"]
        )
    ]
    looked_up: list[str | tuple[str, str]] = []

    class Recording(NullTranslations):
        def gettext(self, message: str) -> str:
            looked_up.append(message)
            return message

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            looked_up.append((singular, plural))
            return singular if n == 1 else plural

    env = _sample_environment("en")
    env.install_gettext_translations(Recording(), newstyle=True)  # type: ignore[attr-defined]
    _render_sample(env)
    assert set(looked_up) == set(extracted) - {"Undated"}  # the sample is dated
    assert "%(number)s source" in {m[0] if isinstance(m, tuple) else m for m in extracted}


# --- Jinja ------------------------------------------------------------------------------


def _sample_environment(locale: str) -> Environment:
    """An environment like render.py's: Markdown, autoescape, strict, trimmed blocks."""
    env = Environment(
        loader=FileSystemLoader(SAMPLE_DIR),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md_inline=md_inline, yaml_str=yaml_str)
    install_i18n(env, locale)
    return env


def _render_sample(env: Environment, *, sources: int = 3, rejected: int = 1) -> str:
    return env.get_template("sample.md.j2").render(
        sources=[f"source {n}" for n in range(sources)],
        day=date(2020, 1, 17),
        earlier=date(2019, 12, 27),
        storyline="Idlib *offensive* <script>",
        subject="40 or 39 killed",
        rejected=rejected,
    )


@pytest.mark.usefixtures("fixture_catalogs")
@pytest.mark.parametrize("locale", ["en", "fr", "ar"])
def test_sample_page(locale: str, golden: Callable[[str, str], None]) -> None:
    golden(f"i18n/sample.{locale}.md", _render_sample(_sample_environment(locale)))


@pytest.mark.usefixtures("fixture_catalogs")
def test_french_page_under_autoescape() -> None:
    page = _render_sample(_sample_environment("fr"))
    assert 'title: "Synthèse"' in page
    assert "# Synthèse\n" in page
    assert "3 sources · 17 janvier 2020\n" in page
    assert "3\u00a0semaines plus tard\n" in page  # Babel joins number and unit
    assert '!!! warning "Une source se contredit\u00a0: 40 or 39 killed"' in page
    assert "1 entrée a été écartée\u00a0: voir [les entrées rejetées](rejected.md)." in page
    # article text in a placeholder went through md_inline, and only once
    assert "Fil d’actualité\u00a0: Idlib \\*offensive\\* &lt;script&gt;\n" in page


@pytest.mark.usefixtures("fixture_catalogs")
def test_plural_forms_in_french_and_arabic() -> None:
    french = load_translations("fr")
    assert [french.ngettext("%(number)s source", "%(number)s sources", n) for n in (0, 1, 2)] == [
        "%(number)s source",  # French counts 0 as singular
        "%(number)s source",
        "%(number)s sources",
    ]
    arabic = load_translations("ar")
    forms = [arabic.ngettext("%(number)s source", "%(number)s sources", n) for n in (0, 1, 2)]
    forms += [arabic.ngettext("%(number)s source", "%(number)s sources", n) for n in (3, 100, 11)]
    assert forms == [
        "لا مصادر",
        "مصدر واحد",
        "مصدران",
        "%(number)s مصادر",
        "%(number)s مصدر",
        "%(number)s مصدرًا",
    ]
    assert arabic.ngettext("%(number)s source", "%(number)s sources", 1003) == forms[3]


@pytest.mark.usefixtures("fixture_catalogs")
def test_arabic_page_counts_in_six_forms() -> None:
    env = _sample_environment("ar")
    counts = [_count_line(_render_sample(env, sources=n)) for n in (0, 1, 2, 5, 100, 11)]
    assert counts == [
        "لا مصادر",
        "مصدر واحد",
        "مصدران",
        "5 مصادر",
        "100 مصدر",
        "11 مصدرًا",
    ]


def test_trans_blocks_keep_their_line_break_and_indentation() -> None:
    """Under trim_blocks and lstrip_blocks, as `{{ … }}` would; `-` still strips."""
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    install_i18n(env, "en")
    template = env.from_string(
        "# {% trans %}Title{% endtrans %}\n\n"
        "    {% trans %}Indented{% endtrans %}\n"
        "{% if true %}\nx\n{%- trans %}Glued{% endtrans -%}\n!\n{% endif %}\n"
    )
    assert template.render() == "# Title\n\n    Indented\nxGlued!\n"


def _count_line(page: str) -> str:
    return next(line for line in page.splitlines() if " · " in line).split(" · ")[0]


def test_a_translation_is_written_raw_and_a_placeholder_html_escaped() -> None:
    """What newstyle gettext does under autoescape, which the catalog checks guard against.

    The translation is marked safe: its `<b>` reaches the page as HTML and its `*` as
    emphasis. A placeholder's plain string is HTML-escaped but keeps its Markdown (`*`),
    and its apostrophe becomes `&#39;`: article text must go through md_inline first.
    """

    class Careless(NullTranslations):
        def gettext(self, message: str) -> str:
            return "Où les <b>sources</b> *divergent* : %(title)s"

    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(Careless(), newstyle=True)  # type: ignore[attr-defined]
    template = env.from_string(
        "{% trans title=title %}Where sources differ: {{ title }}{% endtrans %}"
    )
    assert template.render(title="It's *<i>*") == (
        "Où les <b>sources</b> *divergent* : It&#39;s *&lt;i&gt;*"
    )
    assert template.render(title=md_inline("It's *<i>*")) == (
        "Où les <b>sources</b> *divergent* : It's \\*&lt;i&gt;\\*"
    )


@pytest.mark.parametrize(
    ("original", "translation", "problem"),
    [
        ("Where sources differ", "Où les <b>sources</b> divergent", "'<<>>'"),
        ("Where sources differ", "Où les *sources* divergent", "'**'"),
        ("Sources", "Sources\n", "'\\n'"),
        ("%(number)s sources", "%(nombre)s sources", "unknown placeholder 'nombre'"),
        ("%(number)s sources", "%s sources", "a positional placeholder"),
        ("100%% sure", "sûr à 100 %", "a lone '%'"),
        ("Sources", "- Sources", "starts a Markdown block"),
        ("1. Sources", "Sources", "does not start the Markdown block"),
        ("Where sources differ", 'Où les "sources" divergent', "'\"\"'"),
        ("see [the inputs](rejected.md)", "voir [les entrées](rejets.md)", "link addresses"),
    ],
)
def test_translation_problems(original: str, translation: str, problem: str) -> None:
    problems = translation_problems(Message(original, translation))
    assert len(problems) == 1
    assert problem in problems[0]


def test_safe_translations_have_no_problems() -> None:
    assert translation_problems(Message("100%% of %(n)s", "100 %% de %(n)s")) == []
    assert translation_problems(Message("**no**", "**non**")) == []
    assert translation_problems(Message("Sources", "")) == []  # untranslated: English shows
    plural = Message(("%(n)s source", "%(n)s sources"), ("مصدر واحد", "%(n)s مصادر"))
    assert translation_problems(plural) == []


def test_an_unsafe_translation_stays_in_english(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    po = tmp_path / "fr" / "LC_MESSAGES" / "digest.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Where sources differ"\nmsgstr "Où les <b>sources</b> divergent"\n\n'
        'msgid "Undated"\nmsgstr "Sans date"\n',
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="digest.i18n"):
        translations = compile_catalog(po)
    assert translations.gettext("Where sources differ") == "Where sources differ"
    assert translations.gettext("Undated") == "Sans date"
    assert [record.getMessage() for record in caplog.records] == [
        f"{po}:6: 'Where sources differ' left in English: Markdown or HTML characters "
        "differ from the original's: '<<>>'"
    ]


def test_filters_make_formats_safe_for_markdown(fixture_catalogs: Path) -> None:
    """A German date starts with `17.`: at a line start it would open a numbered list."""
    env = Environment(autoescape=True)
    install_i18n(env, "de")
    page = env.from_string("{{ day|format_date }}").render(day=date(2020, 1, 17))
    assert page == "17\\. Januar 2020"
    assert markdown.markdown(page) == "<p>17. Januar 2020</p>"
    html = Environment(autoescape=True)
    install_i18n(html, "de", markup=escape)
    assert html.from_string("{{ day|format_date }}").render(day=date(2020, 1, 17)) == (
        "17. Januar 2020"
    )


def test_gettext_behaves_as_jinjas_newstyle_gettext(fixture_catalogs: Path) -> None:
    """install_i18n's own gettext functions give what Jinja's would, autoescaped or not."""
    for autoescape in (True, False):
        ours = _sample_environment("fr")
        ours.autoescape = autoescape
        jinjas = _sample_environment("fr")
        jinjas.autoescape = autoescape
        jinjas.install_gettext_translations(  # type: ignore[attr-defined]
            load_translations("fr"), newstyle=True
        )
        for rejected in (1, 2):
            assert _render_sample(ours, rejected=rejected) == _render_sample(
                jinjas, rejected=rejected
            )
    env = Environment(autoescape=True)
    install_i18n(env, "en")
    template = env.from_string(
        "{{ pgettext('kind', 'date') }} {{ npgettext('kind', '%(num)s day', '%(num)s days', 2) }}"
        " {{ gettext('100%% of %(x)s', x='<b>') }}"
    )
    assert template.render() == "date 2 days 100% of &lt;b&gt;"


def test_list_separators_join_items_as_each_language_does() -> None:
    assert list_separators(1, "en") == []
    assert list_separators(2, "en") == [" and "]
    assert list_separators(4, "de") == [", ", ", ", " und "]
    assert list_separators(2, "es") == [" y "]
    env = Environment(autoescape=True)
    install_i18n(env, "fr")
    template = env.from_string(
        "{% set s = names|length|list_separators %}"
        "{% for n in names %}{{ n }}{{ s[loop.index0] if not loop.last }}{% endfor %}"
    )
    assert template.render(names=["A", "B", "<C>"]) == "A, B et &lt;C&gt;"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "January 2020"),
        ("fr", "janvier 2020"),
        ("de", "Januar 2020"),
        ("es", "enero de 2020"),
        ("ar", "يناير 2020"),
    ],
)
def test_months(locale: str, expected: str) -> None:
    assert format_month(date(2020, 1, 17), locale) == expected


def test_article_text_is_isolated_on_right_to_left_pages_only() -> None:
    """In an Arabic line an English value stays one run (U+2068 … U+2069); elsewhere it is
    left as it is."""
    page = (
        "{{ text|isolate }} · {{ day|format_date|upper_first }}"
        " · {{ month|format_month|upper_first }}"
    )
    context = {"text": Markup("350,0000 Syrians."), "day": date(2020, 1, 17)}
    context["month"] = date(2020, 1, 1)
    rendered = {}
    for locale in ("ar", "fr", "es"):
        env = Environment(autoescape=True)
        install_i18n(env, locale)
        rendered[locale] = env.from_string(page).render(context)
    assert rendered == {
        "ar": "\u2068350,0000 Syrians.\u2069 · 17 يناير 2020 · يناير 2020",
        "fr": "350,0000 Syrians. · 17 janvier 2020 · Janvier 2020",
        "es": "350,0000 Syrians. · 17 de enero de 2020 · Enero de 2020",
    }


def test_mkdocs_labels_are_translated_into_the_sites_language() -> None:
    config: dict[str, Any] = {
        "site_name": "digest — news briefing",
        "theme": {
            "language": "fr",
            "palette": [
                {"scheme": "default", "toggle": {"name": "Switch to dark mode"}},
                {"scheme": "slate", "toggle": {"name": "Dark"}},
                {"scheme": "other"},
            ],
        },
        "nav": ["index.md", {"About": ["about/index.md", {"Grouping": "about/grouping.md"}]}],
    }
    translate_mkdocs_labels(config)
    assert config["site_name"] == "digest — synthèse de l’actualité"
    assert [p.get("toggle") for p in config["theme"]["palette"]] == [
        {"name": "Passer en mode sombre"},
        {"name": "Dark"},  # not a label of the catalog: as written
        None,
    ]
    assert config["nav"] == [
        "index.md",
        {"À propos": ["about/index.md", {"Grouping": "about/grouping.md"}]},
    ]


def test_the_projects_mkdocs_labels_are_all_in_the_catalog() -> None:
    """Change a label of mkdocs.yml, and MKDOCS_LABELS and the catalogs must follow."""
    with (PROJECT_ROOT / "mkdocs.yml").open(encoding="utf-8") as file:
        config = yaml.safe_load(file)
    toggles = [p["toggle"]["name"] for p in config["theme"]["palette"] if "toggle" in p]
    sections = [title for item in config["nav"] if isinstance(item, dict) for title in item]
    assert {config["site_name"], *toggles, *sections} <= set(MKDOCS_LABELS)


# --- The site's templates ---------------------------------------------------------------


FULLWIDTH = {
    letter: letter + 0xFEE0 for letter in range(ord("A"), ord("z") + 1) if chr(letter).isalpha()
}
_KEPT = re.compile(r"(%\(\w+\)s|%%|\]\((?:%\(\w+\)s|[^)])*\))")


def pseudo(message: str) -> str:
    """A message in "fullwidth English": every letter but those of placeholders and link
    addresses, so the page keeps working while showing which text went through gettext."""
    parts = _KEPT.split(message)
    return "".join(part if i % 2 else part.translate(FULLWIDTH) for i, part in enumerate(parts))


class PseudoTranslations(NullTranslations):
    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return pseudo(singular if n == 1 else plural)


@pytest.fixture
def pseudo_catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every locale's catalog is the pseudo-translation (dates and numbers stay Babel's)."""
    for module in (i18n, render):
        monkeypatch.setattr(module, "load_translations", lambda _locale: PseudoTranslations())
    render._environment.cache_clear()
    yield
    render._environment.cache_clear()


@pytest.fixture(scope="module")
def seeds_and_bad_inputs() -> BuildResult:
    """The seeds and the broken inputs: differences of most kinds, key figures, wire copies,
    unknown sources, rejected and undated inputs."""
    return run_pipeline(make_config([SEEDS, DATA / "bad"]))


def article_strings(result: BuildResult) -> list[str]:
    """Every text of the build that comes from the articles, as the pages may write it."""
    texts: set[str] = {tag.name for tag in index_site(result).tags}
    texts |= {s.title for s in result.storylines}
    texts |= {text for r in result.rejected for text in (r.input, r.reason)}
    for story in result.stories:
        texts |= {story.event.title, story.event.id, *story.alternative_titles}
        texts |= {sentence.text for sentence in story.sentences}
        texts |= {fact.text for fact in story.unique}
        for difference in story.differences:
            texts |= {difference.subject, difference.note or ""}
            texts |= {v.text for v in difference.values} | {
                v.normalized or "" for v in difference.values
            }
        for figure in story.key_figures:
            texts |= {figure.subject, *(value.text for value in figure.values)}
        for segment in story.event.segments:
            article = segment.article
            texts |= {article.article.id, article.source or "", article.url or ""}
            texts |= {segment.title or "", article.title or "", *segment.text.split("\n\n")}
    texts |= {str(md_inline(text)) for text in texts}
    texts |= {paragraph for text in list(texts) for paragraph in str(md_block(text)).split("\n\n")}
    return sorted((text for text in texts if text.strip()), key=len, reverse=True)


_NOT_TEXT = re.compile(
    r"\A---\n.*?\n---\n"  # the front matter (its title is the page's heading too)
    r"|\]\([^)]*\)"  # link addresses and titles
    r"|\{:? [^}]*\}"  # attribute lists
    r"|^(?:!!! warning|\?\?\? note|!!! note) "  # admonition markers
    r"|&nbsp;|&amp;|&lt;|&gt;|&#34;|&#39;",
    re.DOTALL | re.MULTILINE,
)


@pytest.mark.usefixtures("pseudo_catalog")
@pytest.mark.parametrize("build", ["seeds and bad inputs", "render sample", "empty"])
def test_every_interface_string_goes_through_gettext(
    build: str, seeds_and_bad_inputs: BuildResult
) -> None:
    """Pseudo-translated, a page holds no English but the articles' own text: an English word
    left is a template string (or a Python one) that no catalog can translate."""
    result = {
        "seeds and bad inputs": seeds_and_bad_inputs,
        "render sample": sample_result(),  # an address that is not a web link
        "empty": BuildResult(stories=Stories.of(()), storylines=(), rejected=(), articles=()),
    }[build]
    pages = render.render_pages(result, templates_dir=PROJECT_ROOT / "templates", locale="ar")
    strings = article_strings(result)
    leftovers = {}
    for name, page in sorted(pages.items()):
        if not name.endswith(".md"):
            continue  # events.json is data; the feeds' XML is checked below
        text = page
        for string in strings:
            text = text.replace(string, " ")
        text = _NOT_TEXT.sub(" ", text)
        words = sorted(set(re.findall(r"[A-Za-z]{2,}", text)))
        if words:
            leftovers[name] = words
    assert leftovers == {}
    for feed in ("feed.xml", "atom.xml"):
        assert pseudo("News briefing") in pages[feed]


def test_every_difference_kind_has_its_own_title() -> None:
    """A kind added to the model needs its title in event.md.j2 (and the catalogs)."""
    template = (PROJECT_ROOT / "templates" / "event.md.j2").read_text(encoding="utf-8")
    titled = set(re.findall(r'kind == "(\w+)"', template))
    assert titled | {"internal"} == {str(kind) for kind in DifferenceKind}
    assert "internal" not in titled  # the last branch: "One source contradicts itself"


# --- The seeds in French ----------------------------------------------------------------


@pytest.fixture(scope="module")
def french_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`digest build seeds --locale fr --no-site`."""
    docs = tmp_path_factory.mktemp("seeds-fr") / "docs"
    result = CliRunner().invoke(
        main, ["build", str(SEEDS), "--docs", str(docs), "--no-site", "--locale", "fr"]
    )
    assert result.exit_code == 0, result.output
    return docs


@pytest.mark.parametrize("page", ["index.md", EVENT_A, "sources/index.md"])
def test_french_seed_pages_match_their_golden_files(
    french_docs: Path, page: str, golden: Callable[[str, str], None]
) -> None:
    golden(f"seeds-fr/{page}", (french_docs / page).read_text(encoding="utf-8"))


def test_the_french_seeds_read_in_french(french_docs: Path) -> None:
    home = (french_docs / "index.md").read_text(encoding="utf-8")
    event = (french_docs / EVENT_A).read_text(encoding="utf-8")
    assert 'title: "L’essentiel"' in home
    assert "3 événements rapportés par 2 sources." in home
    assert "## Vendredi 17 janvier 2020" in home
    assert "4 sources reprenant 3 articles indépendants · Dossier\u00a0: [" in home
    assert "## Où les sources divergent" in event
    assert '!!! warning "Chiffre\u00a0: how many Syrians"' in event  # the subject is English
    assert "- «\u00a0350,0000 Syrians\u00a0» (3\u202f500\u202f000)\u00a0: Source inconnue" in event
    assert "| Chiffre | Tel qu’écrit | Sources | Concordent |" in event


# --- Catalog lookup and fallbacks -------------------------------------------------------


def test_a_region_falls_back_to_its_language(fixture_catalogs: Path) -> None:
    french = fixture_catalogs / "fr/LC_MESSAGES/digest.po"
    assert find_catalog("fr_CA", fixture_catalogs) == french
    assert find_catalog("fr-CA", fixture_catalogs) == french
    assert find_catalog("it", fixture_catalogs) is None
    assert load_translations("fr_CA").gettext("Undated") == "Sans date"


def test_a_locale_without_catalog_is_english_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    translations = [load_translations("it") for _ in range(2)]
    assert [t.gettext("Undated") for t in translations] == ["Undated", "Undated"]
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert "no interface catalog for locale 'it'" in caplog.records[0].getMessage()


def test_an_unknown_locale_is_english(caplog: pytest.LogCaptureFixture) -> None:
    assert load_translations("xx").gettext("Undated") == "Undated"
    assert "unknown locale 'xx'" in caplog.text


def test_english_needs_no_catalog(caplog: pytest.LogCaptureFixture) -> None:
    assert type(load_translations("en_GB")) is NullTranslations
    assert caplog.records == []


# --- Formats ----------------------------------------------------------------------------


def test_french_number_groups_with_a_narrow_no_break_space() -> None:
    """U+202F survives Markdown escaping, HTML escaping and Python-Markdown."""
    text = format_number(350000, "fr")
    assert text == "350\u202f000"
    assert md_format(text) == text == escape(text)
    assert md_inline(text) == "350 000"  # md_inline collapses every kind of space
    assert markdown.markdown(f"Some {text} fled.") == f"<p>Some {text} fled.</p>"
    assert format_number(350000, "fr_CA") == "350\u00a0000"  # Canada groups with U+00A0


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "January 17, 2020"),
        ("fr", "17 janvier 2020"),
        ("de", "17. Januar 2020"),
        ("es", "17 de enero de 2020"),
        ("ar", "17 يناير 2020"),
    ],
)
def test_long_dates(locale: str, expected: str) -> None:
    assert format_date(date(2020, 1, 17), "long", locale) == expected


def test_time_spans_between_two_dates() -> None:
    two_days_before = date(2020, 1, 15) - date(2020, 1, 17)
    assert format_timedelta(two_days_before, "fr", add_direction=True) == "il y a 2 jours"
    assert format_timedelta(-two_days_before, "fr", add_direction=True) == "dans 2 jours"
    assert format_timedelta(date(2020, 1, 17) - date(2019, 12, 27), "en") == "3 weeks"
    assert format_timedelta(timedelta(hours=30), "en") == "1 day"  # days at the finest


@pytest.mark.parametrize(
    ("locale", "direction"),
    [("ar", "rtl"), ("he", "rtl"), ("fa", "rtl"), ("ur", "rtl"), ("fr", "ltr"), ("en", "ltr")],
)
def test_text_direction(locale: str, direction: str) -> None:
    assert text_direction(locale) == direction


# --- MkDocs -----------------------------------------------------------------------------


def test_mkdocs_language_of_each_supported_locale() -> None:
    assert [mkdocs_language(locale) for locale in SUPPORTED_LOCALES] == list(SUPPORTED_LOCALES)
    assert mkdocs_overrides("ar") == {"theme": {"language": "ar"}}


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("pt_BR", "pt-BR"),
        ("pt_PT", "pt"),
        ("zh_TW", "zh-TW"),
        ("zh_Hant_HK", "zh-Hant"),
        ("fil", "tl"),
        ("de_AT", "de"),
    ],
)
def test_mkdocs_language_picks_the_most_specific_code(locale: str, language: str) -> None:
    assert mkdocs_language(locale) == language


@pytest.mark.parametrize("locale", ["ckb", "xx"])
def test_mkdocs_language_falls_back_to_english(
    locale: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert [mkdocs_language(locale), mkdocs_language(locale)] == ["en", "en"]
    assert len(caplog.records) == 1


def test_material_languages_are_the_installed_themes() -> None:
    installed = material_languages_dir().glob("*.html")
    assert sorted(path.stem for path in installed) == sorted(MATERIAL_LANGUAGES)


def test_material_and_babel_agree_on_direction() -> None:
    """Material sets `<body dir>` from the language: the same as text_direction says."""
    for locale in (*SUPPORTED_LOCALES, "he", "fa", "ur"):
        partial = material_languages_dir() / f"{mkdocs_language(locale)}.html"
        declared = re.search(r'"direction": "(\w+)"', partial.read_text(encoding="utf-8"))
        assert (declared[1] if declared else "ltr") == text_direction(locale), locale


def test_cli_help_lists_the_supported_locales() -> None:
    result = CliRunner().invoke(main, ["build", "--help"])
    assert ", ".join(SUPPORTED_LOCALES) in " ".join(result.output.split())
