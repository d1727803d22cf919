"""Read a Markdown article: optional YAML front matter, then a body reduced to text.

The body is parsed with markdown-it-py (CommonMark) and written back as plain text in
the shape every reader gives: one paragraph per block separated by a blank line,
headings kept as their own paragraph with their `#` marks (a later stage splits roundups
at headings), links reduced to their text, emphasis markers dropped, list items one per
line without markers, code kept as text, raw HTML blocks reduced to their text.

With no title in the front matter, a leading `# H1` is the title and leaves the body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

import yaml
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from digest.errors import InputError
from digest.ingest.decode import decode_text
from digest.ingest.fields import build_article, read_metadata
from digest.ingest.files import InputFile, Outcome
from digest.ingest.markup import html_to_text
from digest.model import Location

_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|$)", re.DOTALL)
"""Jekyll/MkDocs front matter: `---` on the first line, closed by `---` (or YAML's `...`).
A `---` with no closing line is a thematic break, left to the Markdown parser."""

_MARKDOWN = MarkdownIt("commonmark")
"""CommonMark, which nests at most 20 levels (`maxNesting`), so walking the tree
recursively cannot run out of stack on hostile input."""

_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)


def read_markdown(file: InputFile) -> list[Outcome]:
    """Read a `.md`/`.markdown` article: front matter metadata and body text.

    Raises:
        InputError: when the file cannot be decoded or is empty, when the front matter
            is not valid YAML or not a mapping, or when there is no text.
    """
    decoded = decode_text(file.data, file.name)
    values, body = _split_front_matter(decoded.text, file.name)
    metadata = read_metadata(values)
    nodes = SyntaxTreeNode(_MARKDOWN.parse(body)).children
    if metadata.title is None and nodes and nodes[0].type == "heading" and nodes[0].tag == "h1":
        title = " ".join(_render_inline(nodes[0].children[0]).split())
        metadata = replace(metadata, title=title or None)
        nodes = nodes[1:]
    article = build_article(
        article_id=file.name,
        origin=Location(path=file.name),
        text="\n\n".join(_render_blocks(nodes)),
        metadata=metadata,
        notes=decoded.notes,
    )
    return [article]


def _split_front_matter(text: str, name: str) -> tuple[Mapping[str, object], str]:
    """Return the front matter's key/value pairs and the body after it."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    try:
        values = yaml.safe_load(match[1] or "")
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark else 1  # 0-based within the YAML, after the `---` line
        raise InputError(name, line, f"invalid YAML front matter: {error.problem}") from error
    except (yaml.YAMLError, RecursionError) as error:
        raise InputError(name, 1, "invalid YAML front matter") from error
    if values is None:
        return {}, text[match.end() :]
    if not isinstance(values, dict):
        raise InputError(name, 1, "front matter is not a mapping")
    return {str(key): value for key, value in values.items()}, text[match.end() :]


def _render_blocks(nodes: Sequence[SyntaxTreeNode]) -> list[str]:
    """Render block nodes as paragraphs of plain text."""
    blocks: list[str] = []
    for node in nodes:
        blocks.extend(_render_block(node))
    return [block for block in blocks if block]


def _render_block(node: SyntaxTreeNode) -> list[str]:
    """Render one block as zero or more paragraphs."""
    match node.type:
        case "paragraph":
            return [_render_inline(node.children[0]).strip()]
        case "heading":
            level = int(node.tag[1:])
            return ["#" * level + " " + _render_inline(node.children[0]).strip()]
        case "bullet_list" | "ordered_list":
            return ["\n".join(_render_list_items(node))]
        case "blockquote":
            return _render_blocks(node.children)
        case "fence" | "code_block":
            return [node.content.strip("\n")]
        case "html_block":
            return html_to_text(node.content).split("\n\n")
        case _:  # thematic break ("hr"): a separator, no text
            return []


def _render_list_items(node: SyntaxTreeNode) -> list[str]:
    """One line per list item (nested lists included), without the markers."""
    lines: list[str] = []
    for item in node.children:
        for block in _render_blocks(item.children):
            lines.extend(line for line in block.split("\n") if line.strip())
    return lines


def _render_inline(node: SyntaxTreeNode) -> str:
    """Plain text of an inline node: markers dropped, links and images as their text."""
    match node.type:
        case "text" | "code_inline":
            return node.content
        case "softbreak":
            return " "  # wrapping inside a paragraph, not a break of meaning
        case "hardbreak":
            return "\n"
        case "html_inline":
            return "\n" if _BREAK_TAG.fullmatch(node.content.strip()) else ""
        case _:  # inline, em, strong, link, image: their children carry the text
            return "".join(_render_inline(child) for child in node.children)
