"""Comments kept through the formatter: where a comment starts on a source line, which comments a
source holds, and the printed lines laid out with each comment by the statement it was written
with (a whole-line comment before it, a trailing comment on its line)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Line:
    text: str
    anchor: int | None  # source line it came from, for placing comments
    indent: int = 0


def source_comments(source: str) -> list[tuple[int, str, bool]]:
    """(line, text, whole_line) for every comment of the source."""
    out = []
    for i, raw in enumerate(_source_lines(source), start=1):
        pos = comment_start(raw)
        if pos is None:
            continue
        whole = not raw[:pos].replace(";", " ").strip()  # nothing but separators before it
        out.append((i, raw[pos:].rstrip(), whole))
    return out


def _source_lines(source: str) -> list[str]:
    """The lines as the parser counts them: only "\\n" ends a line (not "\\f" or U+2028)."""
    return [line.removesuffix("\r") for line in source.split("\n")]


def comment_start(line: str) -> int | None:
    """Where a ``#`` comment starts on the line: not inside a string.

    The one scanner for comments (the formatter, block bodies, the language server). Strings
    follow the grammar's STRING rule (``grammars/specdsl.lark``, read by
    :func:`specdsl.syntax.tokens.unquote`): a backslash escapes the next character, so
    ``"a\\"#b"`` is one string and its ``#`` no comment."""
    in_string = escaped = False
    for i, c in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "#":
            return i
    return None


def render(groups: list[list[Line]], comments, source: str | None) -> str:
    # Header statements: anchor them to their source lines when the source has them.
    if source:
        _anchor_header(groups[0], source)
    trailing = {ln: text for ln, text, whole in comments if not whole}
    leading = sorted((ln, text) for ln, text, whole in comments if whole)
    out: list[str] = []
    used_trailing: set[int] = set()
    # A trailing comment goes with the last statement printed from its source line.
    last_of_line = {line.anchor: id(line) for group in groups for line in group}
    for gi, group in enumerate(groups):
        if gi:
            out.append("")
        for line in group:
            if line.anchor is not None:
                while leading and leading[0][0] < line.anchor:
                    _, text = leading.pop(0)
                    if (
                        out
                        and out[-1] != ""
                        and gi
                        and line is group[0]
                        and not _is_comment(out[-1])
                    ):
                        out.append("")
                    out.append(" " * line.indent + text)
            text = " " * line.indent + line.text
            if line.anchor in trailing and last_of_line.get(line.anchor) == id(line):
                text += "  " + trailing[line.anchor]
                used_trailing.add(line.anchor)
            out.append(text)
    # Comments left over (after the last statement, or on a line whose statement is printed
    # elsewhere) close the file as one block, as they will stand there on the next fmt.
    left = leading + [(ln, text) for ln, text in trailing.items() if ln not in used_trailing]
    if left:
        out.append("")
        out.extend(text for _, text in sorted(left))
    # Collapse blank runs created around moved comments.
    cleaned: list[str] = []
    for line in out:
        if line == "" and (not cleaned or cleaned[-1] == ""):
            continue
        cleaned.append(line)
    while cleaned and cleaned[-1] == "":
        cleaned.pop()
    return "\n".join(cleaned) + "\n"


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _anchor_header(header: list[Line], source: str) -> None:
    words = {"model": None, "input": None, "classes": None}
    for i, raw in enumerate(_source_lines(source), start=1):
        for stmt in raw.split(";"):
            w = stmt.strip().split(" ", 1)[0]
            if w in words and words[w] is None:
                words[w] = i
    for line in header:
        line.anchor = words.get(line.text.split(" ", 1)[0])
