"""Locales: the interface in the reader's language, and dates, numbers and time spans as
that language writes them (issue #5, "Languages").

The `.po` catalogs under `digest/locales/<lang>/LC_MESSAGES/digest.po` are the source of
truth. They are compiled in memory the first time a build asks for them, so no `.mo`
file is committed and a fresh machine needs no build step. `make messages` extracts the
interface strings of `templates/` and `digest/` into `digest/locales/digest.pot` and
merges them into each catalog (mapping and options in `babel.cfg`).

Templates use the Jinja i18n extension in its newstyle form (`install_i18n`). Every
message is then a %-format string, and under autoescape the *translation* is trusted
(marked safe, written as is) while each *placeholder value* is escaped unless it is
already `Markup`. Two consequences:

- article text passed to a placeholder must go through `md_inline` first, as anywhere
  else in a Markdown template (a plain string would only be HTML-escaped, so its `*` or
  `[` would still be Markdown);
- a translation is written raw, so `translation_problems` refuses one whose Markdown or
  HTML characters or link addresses differ from its English original; the loader leaves
  such a message in English and says so, and `tests/test_i18n.py` keeps the committed
  catalogs clean.

A few labels come from `mkdocs.yml`, not from a template: the site's name, the nav's
section titles and the palette toggles. `translate_mkdocs_labels` gives them the
catalog's translation when there is one (`MKDOCS_LABELS`).
"""

from __future__ import annotations

import functools
import io
import logging
import re
from collections import Counter
from collections.abc import Callable, MutableMapping
from datetime import date, timedelta
from decimal import Decimal
from gettext import NullTranslations
from pathlib import Path
from typing import Any, Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.dates import format_timedelta as babel_format_timedelta
from babel.lists import format_list
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from jinja2 import Environment, pass_eval_context
from jinja2.ext import InternationalizationExtension
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from digest.markdown_text import md_inline

log = logging.getLogger(__name__)

SOURCE_LOCALE = "en"
"""The language the templates are written in: it needs no catalog."""
SUPPORTED_LOCALES = ("en", "fr", "de", "es", "ar")
"""Locales whose interface is translated. Any other locale Babel knows is accepted: its
dates and numbers are localised, its interface stays in English (with one warning)."""
DOMAIN = "digest"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"

MATERIAL_LANGUAGES = frozenset(
    "af ar az be bg bn ca cs cy da de el en eo es et eu fa fi fr gl he hi hr hu hy id is it "
    "ja ka kn ko ku-IQ lb lt lv mk mn ms my nb nl nn pl pt pt-BR ro ru sa sh si sk sl sq sr "
    "sv ta te th tl tr uk ur uz vi zh zh-Hant zh-TW".split()
)
"""mkdocs-material 9.8's `theme.language` codes (`material/templates/partials/languages/`);
`tests/test_i18n.py` checks the list against the installed theme."""
MATERIAL_FALLBACK = "en"
_MATERIAL_ALIASES = {"fil": "tl", "no": "nb"}
"""Babel reads Material's `tl` as Filipino (`fil`); Material has Bokmål but no `no`."""

# A message is a %-format string (Jinja newstyle gettext formats every one of them).
_PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_MARKUP_CHARS = frozenset('<>&*_`[]{}|\\#\n"')
"""Characters that make Markdown or HTML, and `"`, which would end an admonition's title:
a translation must use the same ones as its original, the same number of times."""
_LINK_ADDRESS = re.compile(r"\]\(((?:%\(\w+\)s|[^)])*)\)")
"""A link's address, which may hold a placeholder: `[%(title)s](%(url)s)`."""
_OPENS_BLOCK = re.compile(r"\s*(?:[-+>=~:]|\d+[.)](?:\s|$)|!!!|\?\?\?)")
"""What would start a list, quote, setext heading, definition or admonition at a line start."""
_NO_BREAK_SPACES = "\u00a0\u2007\u202f"  # no-break, figure and narrow no-break space
_PROTECT_NO_BREAK = str.maketrans(_NO_BREAK_SPACES, "\ue000\ue001\ue002")
_RESTORE_NO_BREAK = str.maketrans("\ue000\ue001\ue002", _NO_BREAK_SPACES)
"""Private-use stand-ins that carry no-break spaces through `md_inline` untouched."""
_FIRST_STRONG_ISOLATE = Markup("\u2068")
_POP_ISOLATE = Markup("\u2069")
_LIST_ITEM = re.compile("\ue003(\\d+)\ue004")
"""A stand-in for the n-th item, to read a list pattern's separators (`list_separators`)."""


def N_(message: str) -> str:
    """Mark a message for `make messages` (which looks for `N_`) without translating it:
    it is translated where it is used."""
    return message


MKDOCS_LABELS = (
    # TRANSLATORS: the site's name (site_name in mkdocs.yml), in every page's header and title.
    N_("digest — news briefing"),
    # TRANSLATORS: the navigation tab of the pages that explain how digest works.
    N_("About"),
    # TRANSLATORS: the button that switches the site to its dark colours.
    N_("Switch to dark mode"),
    # TRANSLATORS: the button that switches the site to its light colours.
    N_("Switch to light mode"),
)
"""The labels of the project's `mkdocs.yml` that the catalogs translate (the nav's other
entries take their pages' translated titles)."""


# --- Catalogs -------------------------------------------------------------------------


@functools.cache
def load_translations(locale: str) -> NullTranslations:
    """The interface translations for `locale`, compiled from its `.po` file (cached).

    A region falls back to its language (`fr_CA` uses `fr`). English, a locale without a
    catalog and a locale Babel does not know all give `NullTranslations`: the templates'
    own English. The last two are logged as a warning, once per locale.
    """
    try:
        path = find_catalog(locale, LOCALES_DIR)
    except (ValueError, UnknownLocaleError):
        log.warning("unknown locale %r: the interface stays in English", locale)
        return NullTranslations()
    if path is None:
        if _parse(locale).language != SOURCE_LOCALE:
            log.warning(
                "no interface catalog for locale %r: pages in English, dates and numbers "
                "in %r (catalogs exist for %s)",
                locale,
                locale,
                ", ".join(SUPPORTED_LOCALES),
            )
        return NullTranslations()
    return compile_catalog(path)


def find_catalog(locale: str, locales_dir: Path) -> Path | None:
    """The `.po` file serving `locale`: its own, else its language's, else None.

    Raises:
        ValueError or UnknownLocaleError: Babel does not know the locale.
    """
    parsed = _parse(locale)
    for name in dict.fromkeys((str(parsed), parsed.language)):
        path = locales_dir / name / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.is_file():
            return path
    return None


def read_catalog(path: Path) -> Catalog:
    """Read a `.po` file of `digest/locales/<lang>/LC_MESSAGES/` (obsolete entries left out)."""
    with path.open("rb") as po:
        return read_po(po, locale=path.parent.parent.name, domain=DOMAIN, ignore_obsolete=True)


def compile_catalog(path: Path) -> Translations:
    """Compile a `.po` file in memory into translations gettext can use.

    Fuzzy and untranslated messages are left out, and so is any translation with
    `translation_problems` (logged as `path:line: …`): the English original shows instead.
    """
    catalog = read_catalog(path)
    for message in list(catalog)[1:]:  # the first "message" is the header
        problems = translation_problems(message)
        if problems:
            log.warning(
                "%s:%s: %r left in English: %s",
                path,
                message.lineno,
                message.id,
                "; ".join(problems),
            )
            catalog.delete(message.id, context=message.context)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


def translation_problems(message: Message) -> list[str]:
    """Say why a translation could break a page; empty when it is safe (or untranslated).

    The translation is written into the page as is (see the module docstring), so it must
    keep the original's placeholders, its Markdown and HTML characters and its link
    addresses, and must not start a Markdown block the original does not start.

    >>> translation_problems(Message("Where sources differ", "Où les *sources* divergent"))
    ["Markdown or HTML characters differ from the original's: '**'"]
    >>> translation_problems(Message("%(number)s sources", "%(nombre)s sources à 100 %"))
    ["unknown placeholder 'nombre'", "a lone '%' (write '%%' for a percent sign)"]
    """
    originals = _strings(message.id)
    known = {name for original in originals for name in _placeholders(original)}
    markup = _markup(originals[0])
    links = sorted(_LINK_ADDRESS.findall(originals[0]))
    opens_block = bool(_OPENS_BLOCK.match(originals[0]))
    problems: list[str] = []
    for translation in _strings(message.string):
        problems.extend(
            f"unknown placeholder {name!r}"
            if name
            else "a positional placeholder (name it, or write '%%' for a percent sign)"
            for name in sorted(_placeholders(translation) - known)
        )
        if "%" in _PLACEHOLDER.sub("", translation):
            problems.append("a lone '%' (write '%%' for a percent sign)")
        if _markup(translation) != markup:
            difference = (_markup(translation) - markup) + (markup - _markup(translation))
            problems.append(
                "Markdown or HTML characters differ from the original's: "
                f"{''.join(sorted(difference.elements()))!r}"
            )
        if sorted(_LINK_ADDRESS.findall(translation)) != links:
            problems.append(f"link addresses differ from the original's: {links}")
        if bool(_OPENS_BLOCK.match(translation)) != opens_block:
            problems.append(
                "does not start the Markdown block the original starts"
                if opens_block
                else "starts a Markdown block (a list, quote, admonition…) the original does not"
            )
    return list(dict.fromkeys(problems))  # plural forms repeat the same problem


def _strings(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """A message's id or translation as a tuple: one string, or one per plural form."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(text for text in value if text)


def _placeholders(text: str) -> set[str]:
    """The names of the placeholders; a positional one counts as `''`, which no original has."""
    return {
        match["name"] or ""
        for match in _PLACEHOLDER.finditer(text)
        if not match.group().endswith("%")
    }


def _markup(text: str) -> Counter[str]:
    return Counter(char for char in _PLACEHOLDER.sub("", text) if char in _MARKUP_CHARS)


# --- Jinja ----------------------------------------------------------------------------

_TRANS_START = re.compile(r"\{%(?=\s*trans\b)")
_TRANS_END = re.compile(r"\bendtrans(\s*)%\}")


class InlineI18nExtension(InternationalizationExtension):
    """`jinja2.ext.i18n` whose `{% trans %}` blocks sit in a line the way `{{ … }}` does.

    The site's environments set `trim_blocks` and `lstrip_blocks` for their `{% if %}` and
    `{% for %}` lines, which would also make a line ending in `{% endtrans %}` lose its
    line break (a heading and its paragraph run together) and an indented `{% trans %}`
    lose its indentation (its text leaves the admonition it was in). Writing every
    `{% trans` as `{%+ trans` and `endtrans %}` as `endtrans +%}` before lexing turns
    both off; a block that asks for stripping itself (`{%- trans`, `endtrans -%}`)
    keeps it. The message ids are the same, so extraction needs no such step.
    """

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:  # noqa: ARG002 Jinja's signature
        return _TRANS_END.sub(r"endtrans\1+%}", _TRANS_START.sub("{%+", source))


def md_format(text: str) -> Markup:
    r"""Make a formatted date, number or span safe in Markdown, keeping its no-break spaces.

    `md_inline` alone would collapse them into plain spaces (it collapses all whitespace),
    and a French `350 000` could then break across two lines.

    >>> md_format("17. Januar 2020"), md_format("350\u202f000")
    (Markup('17\\. Januar 2020'), Markup('350\u202f000'))
    """
    protected = md_inline(text.translate(_PROTECT_NO_BREAK))
    return Markup(str(protected).translate(_RESTORE_NO_BREAK))  # noqa: S704 escaped just above


def install_i18n(
    env: Environment, locale: str, *, markup: Callable[[str], Markup] = md_format
) -> None:
    """Give a Jinja environment the interface language and the formats of `locale`.

    Adds `jinja2.ext.i18n` (as `InlineI18nExtension`) with newstyle gettext and trimmed
    whitespace, as `babel.cfg` extracts, so templates can use `{% trans %}…{% endtrans %}`,
    `{% trans count=n %}…{% pluralize %}…{% endtrans %}` and `_("…")`; and adds the
    filters `format_date`, `format_month`, `format_number`, `format_timedelta`,
    `list_separators`, `upper_first` and `isolate` for `locale`. Call it before the first
    template is loaded, after any filters of the same name.

    Args:
        env: the environment; it should autoescape (see the module docstring).
        locale: a Babel locale, e.g. `fr`, `fr_CA`, `ar`.
        markup: makes a formatted value safe for the templates' language: `md_format`
            for Markdown (a German date starts `17.`, which could open a list),
            `markupsafe.escape` for HTML.
    """
    env.add_extension(InlineI18nExtension)
    env.policies["ext.i18n.trimmed"] = True
    env.newstyle_gettext = True  # type: ignore[attr-defined]  # added by the extension
    env.globals.update(_newstyle_gettext(load_translations(locale)))
    env.filters.update(_filters(locale, markup))


def _newstyle_gettext(translations: NullTranslations) -> dict[str, Callable[..., str]]:
    """The gettext functions `install_gettext_translations(…, newstyle=True)` would install,
    calling the catalog directly: Jinja's own go through `context.call` twice per message.
    (`_` stays the extension's alias of whatever `gettext` is installed.)

    The same behaviour: under autoescape the translation is `Markup`, so each value is
    escaped unless it is `Markup` itself; every message is %-formatted, with or without
    values (`%%` is a percent sign); `ngettext` also offers `num`, `pgettext` `context`.
    """

    def newstyle(eval_ctx: EvalContext, text: str, variables: dict[str, Any]) -> str:
        # The catalog is trusted (translation_problems), as Jinja's own gettext trusts it.
        return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
        return newstyle(eval_ctx, translations.gettext(message), variables)

    @pass_eval_context
    def ngettext(
        eval_ctx: EvalContext, singular: str, plural: str, n: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", n)
        return newstyle(eval_ctx, translations.ngettext(singular, plural, n), variables)

    @pass_eval_context
    def pgettext(eval_ctx: EvalContext, context: str, message: str, /, **variables: Any) -> str:
        variables.setdefault("context", context)
        return newstyle(eval_ctx, translations.pgettext(context, message), variables)

    @pass_eval_context
    def npgettext(
        eval_ctx: EvalContext,
        context: str,
        singular: str,
        plural: str,
        n: int,
        /,
        **variables: Any,
    ) -> str:
        variables.setdefault("context", context)
        variables.setdefault("num", n)
        text = translations.npgettext(context, singular, plural, n)
        return newstyle(eval_ctx, text, variables)

    return {
        "gettext": gettext,
        "ngettext": ngettext,
        "pgettext": pgettext,
        "npgettext": npgettext,
    }


def _filters(locale: str, markup: Callable[[str], Markup]) -> dict[str, Callable[..., Any]]:
    """The format filters of one environment, each cached: a site of 10,000 events repeats
    the same few hundred days and counts, and Babel is the cost of formatting them."""

    @functools.lru_cache(maxsize=4096)
    def date_filter(day: date, style: str = "long") -> Markup:
        return markup(format_date(day, style, locale))

    @functools.lru_cache(maxsize=1024)
    def month_filter(day: date) -> Markup:
        return markup(format_month(day, locale))

    @functools.lru_cache(maxsize=4096)
    def number_filter(number: int | Decimal) -> Markup:
        return markup(format_number(number, locale))

    @functools.lru_cache(maxsize=1024)
    def timedelta_filter(delta: timedelta, add_direction: bool = False) -> Markup:
        return markup(format_timedelta(delta, locale, add_direction=add_direction))

    @functools.lru_cache(maxsize=64)
    def separators_filter(count: int) -> tuple[Markup, ...]:
        return tuple(escape(separator) for separator in list_separators(count, locale))

    return {
        "format_date": date_filter,
        "format_month": month_filter,
        "format_number": number_filter,
        "format_timedelta": timedelta_filter,
        "list_separators": separators_filter,
        "upper_first": upper_first,
        "isolate": isolate if text_direction(locale) == "rtl" else _unchanged,
    }


# --- Formats --------------------------------------------------------------------------


def format_date(day: date, style: str, locale: str) -> str:
    """A date as the locale writes it; `style` is `short`, `medium`, `long` or `full`.

    >>> format_date(date(2020, 1, 17), "long", "fr"), format_date(date(2020, 1, 17), "full", "de")
    ('17 janvier 2020', 'Freitag, 17. Januar 2020')
    """
    return babel_format_date(day, format=style, locale=_parse(locale))


def format_month(day: date, locale: str) -> str:
    """A date's month and year as the locale names them on their own (CLDR's `yMMMM`).

    >>> [format_month(date(2020, 1, 17), locale) for locale in ("en", "fr", "es", "ar")]
    ['January 2020', 'janvier 2020', 'enero de 2020', 'يناير 2020']
    """
    return format_skeleton("yMMMM", day, locale=_parse(locale))


def format_number(number: int | Decimal, locale: str) -> str:
    """A number with the locale's grouping: French groups with a narrow no-break space.

    >>> format_number(350000, "en"), format_number(350000, "fr"), format_number(350000, "de")
    ('350,000', '350\\u202f000', '350.000')
    """
    return format_decimal(number, locale=_parse(locale))


def format_timedelta(delta: timedelta, locale: str, *, add_direction: bool = False) -> str:
    """A span between two dates, rounded to its largest unit (days at the finest).

    Compute `delta` from two dates of the data (`event.date - earlier.date`), never from
    today, so the page is the same on every build. With `add_direction` a negative span is
    in the past ("2 days ago"), a positive one in the future ("in 2 days"); for "3 weeks
    later" leave it off and translate "%(span)s later" in the template. A span of zero
    reads "0 days": say "the same day" in the template instead. A unit is used from one
    whole of it on: 6 days stay "6 days" (Babel would round them up to "1 week").

    >>> format_timedelta(date(2020, 1, 15) - date(2020, 1, 17), "fr", add_direction=True)
    'il y a 2 jours'
    >>> format_timedelta(timedelta(days=21), "en"), format_timedelta(timedelta(days=6), "en")
    ('3 weeks', '6 days')
    """
    return babel_format_timedelta(
        delta, granularity="day", threshold=1, add_direction=add_direction, locale=_parse(locale)
    )


def isolate(text: Markup) -> Markup:
    """Article text inside an interface sentence of a right-to-left page, as a bidi isolate.

    An English value in an Arabic line ("التاريخ: on Jan. 17…") would otherwise lend its
    figures to the Arabic around it and lose its trailing punctuation to the line's other
    end. First-strong isolate (U+2068) and pop (U+2069) keep it one left-to-right run, as
    `<bdi>` would; they are invisible and need no HTML. Left-to-right pages use
    `_unchanged` instead (`install_i18n`).

    >>> isolate(Markup("350,0000 Syrians"))
    Markup('\u2068350,0000 Syrians\u2069')
    """
    return _FIRST_STRONG_ISOLATE + text + _POP_ISOLATE


def _unchanged(text: Markup) -> Markup:
    return text


def upper_first(text: Markup) -> Markup:
    """A date or month that starts a heading, a title or a table cell, with a capital.

    French and Spanish write day and month names in lower case (`vendredi 17 janvier
    2020`, `enero de 2020`), which Babel follows; a heading still starts with a capital.

    >>> upper_first(Markup("vendredi 17 janvier 2020")), upper_first(Markup("17 يناير 2020"))
    (Markup('Vendredi 17 janvier 2020'), Markup('17 يناير 2020'))
    """
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def list_separators(count: int, locale: str) -> list[str]:
    """What goes between the items of a list of `count` items, as the locale writes it.

    For lists whose items are Markdown (links, source markers), which `format_list`
    itself cannot join: the template writes each item, then the separator after it.

    >>> list_separators(3, "en"), list_separators(2, "fr"), list_separators(3, "ar")
    ([', ', ', and '], [' et '], [' و', ' و'])
    """
    if count < 2:
        return []
    stand_ins = [f"\ue003{n}\ue004" for n in range(count)]
    return _LIST_ITEM.split(format_list(stand_ins, style="standard", locale=_parse(locale)))[2:-1:2]


def text_direction(locale: str) -> Literal["ltr", "rtl"]:
    """`rtl` for a language written right to left (Arabic, Hebrew, Persian, Urdu…).

    >>> text_direction("ar"), text_direction("fr")
    ('rtl', 'ltr')
    """
    return "rtl" if _parse(locale).character_order == "right-to-left" else "ltr"


# --- MkDocs ---------------------------------------------------------------------------


@functools.cache
def mkdocs_language(locale: str) -> str:
    """The mkdocs-material `theme.language` for a locale: the search box, menus and labels.

    The most specific code Material has wins (`pt_BR` → `pt-BR`, `zh_Hant_HK` →
    `zh-Hant`, `fr_CA` → `fr`). Material has no language for the locale (or Babel does
    not know it): English, logged once as a warning.

    >>> [mkdocs_language(locale) for locale in ("fr", "fr_CA", "pt_BR", "zh_TW", "ar")]
    ['fr', 'fr', 'pt-BR', 'zh-TW', 'ar']
    """
    try:
        parsed = _parse(locale)
    except (ValueError, UnknownLocaleError):
        parsed = None
    if parsed is not None:
        language = _MATERIAL_ALIASES.get(parsed.language, parsed.language)
        for code in (f"{language}-{parsed.territory}", f"{language}-{parsed.script}", language):
            if code in MATERIAL_LANGUAGES:
                return code
    log.warning(
        "mkdocs-material has no interface in %r: its search box and menus stay in English",
        locale,
    )
    return MATERIAL_FALLBACK


def translate_mkdocs_labels(config: MutableMapping[str, Any]) -> None:
    """Translate the labels of `mkdocs.yml` into the site's language (`theme.language`).

    The site's name, the nav's section titles and the palette toggles' names are replaced
    by their translation when the catalog has one (`MKDOCS_LABELS`); any other label is
    left as written. `config` is an MkDocs configuration, changed in place (the digest
    plugin calls this from `on_config`).
    """
    translations = load_translations(str(config["theme"]["language"]))
    config["site_name"] = _translate(config["site_name"], translations)
    if config.get("nav"):
        config["nav"] = _translate_nav(config["nav"], translations)
    for palette in config["theme"].get("palette") or ():
        toggle = palette.get("toggle") if isinstance(palette, dict) else None
        if toggle and toggle.get("name"):
            toggle["name"] = _translate(toggle["name"], translations)


def _translate_nav(nav: Any, translations: NullTranslations) -> Any:
    """The nav with its section and page titles translated (pages without one keep theirs)."""
    if isinstance(nav, list):
        return [_translate_nav(item, translations) for item in nav]
    if isinstance(nav, dict):
        return {
            _translate(title, translations): _translate_nav(value, translations)
            for title, value in nav.items()
        }
    return nav


def _translate(label: Any, translations: NullTranslations) -> Any:
    """A label's translation; anything but a non-empty string (gettext("") is the catalog's
    header) is returned as it is."""
    return translations.gettext(label) if isinstance(label, str) and label else label


def mkdocs_overrides(locale: str) -> dict[str, Any]:
    """The MkDocs settings a site in `locale` changes, to deep-merge over `mkdocs.yml`.

    Only `theme.language`: Material derives `<html lang>` and the text direction
    (`<body dir="rtl">` for ar, fa, he, ur) from it, and its search plugin the stemmer.

    >>> mkdocs_overrides("fr_CA")
    {'theme': {'language': 'fr'}}
    """
    return {"theme": {"language": mkdocs_language(locale)}}


@functools.lru_cache(maxsize=64)
def _parse(locale: str) -> Locale:
    """`fr`, `fr_CA` or `fr-CA` as a Babel `Locale`.

    Raises:
        ValueError or UnknownLocaleError: not a locale Babel knows.
    """
    return Locale.parse(locale.replace("-", "_"))
