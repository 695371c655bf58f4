"""An article file (YAML front matter + Markdown) → an Article with checked pictures, and located problems."""

from __future__ import annotations

import difflib
import re
import unicodedata
from pathlib import Path

import yaml

from publish import markdown, schema, yamlcore
from publish.model import Article, Picture, Publication, anchor_key
from publish.pictures import check_picture
from publish.safehtml import body_warnings
from publish.sourcefiles import Report, clean_values, read_text, unknown_keys
from publish.typography import smarten

_PREFIX = re.compile(r"^\d+-")

def article_slug(path: Path) -> str:
    return unicodedata.normalize("NFC", _PREFIX.sub("", path.stem, count=1))


def split_front_matter(text: str, path: Path, report: Report) -> tuple[dict, dict, str, int] | None:
    """(front matter, line of each key, body, body's first line), or None after reporting."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        report.add(path, 1, "the file does not start with front matter",
                   "begin it with a line '---', then title: …, section: …, then a line '---'")
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        report.add(path, 1, "the front matter is never closed", "end it with a line '---' before the body")
        return None
    raw = "\n".join(lines[1:end])
    try:
        node, data = yamlcore.load(raw)
    except yamlcore.FrontMatterError as exc:
        report.add(path, exc.line + 2, exc.message, exc.hint)
        return None
    except yaml.YAMLError as exc:
        report.add(path, *_yaml_problem(exc, lines[1:end]))
        return None
    if not isinstance(data, dict):
        report.add(path, 2, "the front matter must be a list of `key: value` lines",
                   "write e.g. title: \"…\" and section: news")
        return None
    key_lines: dict = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            if key in key_lines:
                report.add(path, key_node.start_mark.line + 2, f"key {key!r} is given twice",
                           "keep one of them")
            key_lines[key] = key_node.start_mark.line + 2
            if isinstance(value_node, yaml.MappingNode):
                for sub_key, _ in value_node.value:
                    key_lines[f"{key}.{sub_key.value}"] = sub_key.start_mark.line + 2
    data = clean_values(data, path, key_lines.get, report)  # escaped control characters, deep nesting
    return data, key_lines, "\n".join(lines[end + 1:]), end + 2


def _yaml_problem(exc: yaml.YAMLError, raw_lines: list[str]) -> tuple[int, str, str]:
    """(line in the file, what is wrong, what to do) for YAML that does not parse."""
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    line = mark.line if mark else 0  # where the unclosed thing began, if it is one
    problem = getattr(exc, "problem", None) or str(exc)
    # YAML forbids tabs in indentation; its own message names the token, not the tab
    problem_mark = getattr(exc, "problem_mark", None)
    last = max(line, problem_mark.line if problem_mark else 0)
    tabbed = next((i for i, text in enumerate(raw_lines[:last + 1])
                   if "\t" in text[:len(text) - len(text.lstrip(" \t"))]), None)
    if tabbed is not None:
        return (tabbed + 2, f"front matter uses a tab for indentation at line {tabbed + 2}: YAML needs spaces",
                "indent with spaces (two per level)")
    if "nesting depth" in problem:
        return (line + 2, f"the front matter is nested more than {yamlcore.MAX_DEPTH} levels deep",
                "use plain key: value lines; only image: has keys under it")
    hint = "check the quotes and indentation"
    if "mapping values are not allowed" in problem:
        hint = "a value with ': ' in it needs quotes, e.g. title: \"Nurses: the fight goes on\""
    return line + 2, f"invalid YAML front matter: {problem}", hint


def read_article(path: Path, pub: Publication, report: Report, *, base: Path,
                 standing: bool = False) -> Article | None:
    text = read_text(path, report)
    if text is None:
        return None
    split = split_front_matter(text, path, report)
    if split is None:
        return None
    data, key_lines, body, body_line = split
    line = lambda key: key_lines.get(key, 1)  # noqa: E731
    unknown_keys(data, schema.ARTICLE_KEYS, report, path, line, "front matter")
    fields = schema.STANDING_FIELDS if standing else schema.ARTICLE_FIELDS
    values = schema.check_fields(data, fields, report, path, line)
    lang = pub.language
    language = _article_language(values, pub, path, report, line)

    section = values.get("section") or ""
    if section and not standing and pub.sections and pub.section(section) is None:
        close = difflib.get_close_matches(section, [s.id for s in pub.sections], n=1)
        hint = f"did you mean {close[0]!r}?" if close else "use one of: " + ", ".join(s.id for s in pub.sections)
        report.add(path, line("section"), f"unknown section {section!r}", hint)

    image = None
    raw_image = data.get("image")
    if raw_image is not None:
        image = _read_lead_image(raw_image, path, pub, report, base, key_lines)

    pictures = _body_pictures(body, body_line, path, pub, report, base)
    _check_body(body, body_line, path, report, standing)
    _check_placeholders(values, body, body_line, path, report, line)
    _check_footnotes(markdown.parse(body, lang, anchor_key(article_slug(path))), body, body_line, path, report)
    key = anchor_key(article_slug(path))  # links, lang and role attributes the published HTML drops
    for offset, message, hint in body_warnings(markdown.parse(body, lang, key), pub.url, path.parent.name, key):
        report.warn(path, body_line + offset, message, hint)
    return Article(
        slug=article_slug(path), source=path,
        title=smarten(values.get("title") or "", lang), section=section,
        kicker=smarten(values.get("kicker") or "", lang),
        standfirst=smarten(values.get("standfirst") or "", lang),
        authors=tuple(smarten(a, lang) for a in values.get("author") or ()),
        affiliation=smarten(values.get("affiliation") or "", lang),
        keywords=tuple(values.get("keywords") or ()),
        image=image, body=body, body_line=body_line, pictures=pictures, standing=standing, language=language,
    )


def _article_language(values: dict, pub: Publication, path: Path, report: Report, line) -> str:
    """The front matter's language when it is a valid tag other than the publication's; else ""."""
    language = (values.get("language") or "").strip()
    if language and not schema.BCP47.match(language):
        report.add(path, line("language"), f"language {language!r} is not a BCP 47 language tag",
                   'write e.g. language: "ja", "ar" or "zh-Hant"')
        return ""
    return "" if language.lower() == pub.language.lower() else language


def _read_lead_image(raw, path: Path, pub: Publication, report: Report, base: Path,
                     key_lines: dict) -> Picture | None:
    at = key_lines.get("image", 1)
    if isinstance(raw, str):
        report.add(path, at, "image must have src and alt", "write image: then indented src: …, alt: …, caption: …, credit: …")
        return None
    if not isinstance(raw, dict):
        report.add(path, at, "image must be a mapping of src, alt, caption and credit", "indent src: and alt: under image:")
        return None
    for key in raw:
        if key not in schema.IMAGE_KEYS:
            close = difflib.get_close_matches(str(key), schema.IMAGE_KEYS, n=1)
            report.warn(path, key_lines.get(f"image.{key}", at), f"unknown image key {key!r}",
                        f"did you mean {close[0]!r}?" if close else "use src, alt, caption, credit")
    texts = {}
    for key in ("caption", "credit"):
        value = raw.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            report.add(path, key_lines.get(f"image.{key}", at), f"image {key} must be text", "put it in quotes")
            value = ""
        too_long = schema.length_problem(f"image {key}", value.strip(), schema.IMAGE_LIMITS[key])
        if too_long:
            report.add(path, key_lines.get(f"image.{key}", at), too_long, "shorten it")
            value = ""
        texts[key] = smarten(value.strip(), pub.language)
    picture, problems = check_picture(
        raw.get("src"), alt=raw.get("alt"), base=base, root=pub.root, source=path,
        line=key_lines.get("image.src", at), caption=texts["caption"], credit=texts["credit"],
        what="image",
    )
    report.extend(problems)
    if picture:
        picture = Picture(picture.src, picture.path, smarten(picture.alt, pub.language),
                          picture.caption, picture.credit, picture.line)
    return picture


def _body_pictures(body: str, body_line: int, path: Path, pub: Publication, report: Report,
                   base: Path) -> tuple[Picture, ...]:
    pictures: dict[str, Picture] = {}
    line = body_line
    limit = markdown.parser(pub.language).options["maxNesting"] - 1
    too_deep = False
    for token in markdown.parse(body, pub.language, anchor_key(article_slug(path))):
        if token.map:
            line = body_line + token.map[0]
        if token.level >= limit and not too_deep:
            too_deep = True
            report.add(path, line, f"lists or quotes are nested more than {limit} levels deep; what is "
                       "inside is lost", "flatten the nesting")
        if token.type == "heading_open" and token.tag == "h1":
            report.warn(path, line, "a level-1 heading in the body",
                        "the title is the only level-1 heading: use ## for subheadings")
        for child in token.children or ():
            if child.type != "image":
                continue
            src = child.attrGet("src") or ""
            alt = "".join(c.content for c in child.children or () if c.type in ("text", "code_inline"))
            caption = str(child.attrGet("title") or "")
            too_long = schema.length_problem("the picture's caption", caption, schema.IMAGE_LIMITS["caption"])
            if too_long:
                report.add(path, line, too_long, "shorten the text in quotes after the picture's name")
            picture, problems = check_picture(src, alt=alt, base=base, root=pub.root, source=path, line=line,
                                              caption=caption)
            report.extend(problems)
            if picture and src not in pictures:
                pictures[src] = picture
    return tuple(pictures.values())


_FENCE = re.compile(r"^\s{0,3}:::(.*)$")


def _check_body(body: str, body_line: int, path: Path, report: Report, standing: bool) -> None:
    if not body.strip() and not standing:
        report.warn(path, body_line, "the article has no body text", "write the article below the front matter")
    depth, opened_at = 0, 0
    for number, text in enumerate(body.split("\n"), start=body_line):
        match = _FENCE.match(text)
        if not match:
            continue
        rest = match.group(1).strip()
        if not rest:
            if depth == 0:
                report.warn(path, number, "':::' closes no box", "remove it, or open a box with '::: box Title'")
            else:
                depth -= 1
        elif rest.split(" ", 1)[0] == markdown.BOX:
            if depth == 0:
                opened_at = number
            depth += 1
        else:
            report.warn(path, number, f"unknown block '::: {rest.split(' ', 1)[0]}'",
                        "only '::: box Title' sidebars are supported")
    if depth:
        report.add(path, opened_at, "a '::: box' is never closed", "end the box with a line ':::'")


def _check_placeholders(values: dict, body: str, body_line: int, path: Path, report: Report, line) -> None:
    """What `publish new` wrote for the editor to replace, still there."""
    for name in ("title", "kicker", "standfirst"):
        if values.get(name) and schema.placeholder(values[name]):
            report.warn(path, line(name), f"{name} is still the placeholder {values[name]!r}",
                        f"write the article's own {name}, or remove the line")
    for number, text in enumerate(body.split("\n"), start=body_line):
        if schema.placeholder(text) == "body":
            report.warn(path, number, "the body still holds the placeholder text of publish new",
                        "replace it with the article")
            break


_NOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
_NOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")


def _check_footnotes(tokens, body: str, body_line: int, path: Path, report: Report) -> None:
    """A reference `[^2]` without a note prints literally; a note never referred to is silently lost."""
    used: set[str] = set()
    code_lines: set[int] = set()
    for token in tokens:
        if token.type in ("fence", "code_block", "html_block") and token.map:
            code_lines.update(range(*token.map))
        if token.type == "footnote_open":
            used.add(token.meta.get("label", ""))
        if token.type != "inline" or not token.map:
            continue
        offset = token.map[0]
        for child in token.children or ():
            if child.type in ("softbreak", "hardbreak"):
                offset += 1
            elif child.type == "footnote_ref":
                used.add(child.meta.get("label", ""))
            elif child.type == "text":
                for label in _NOTE_REF.findall(child.content):
                    report.add(path, body_line + offset, f"footnote [^{label}] has no note",
                               f"add a line '[^{label}]: the note' after the paragraph, or remove [^{label}]")
    for number, text in enumerate(body.split("\n")):
        match = _NOTE_DEF.match(text)
        if match and number not in code_lines and match.group(1) not in used:
            report.add(path, body_line + number, f"footnote [^{match.group(1)}] is never referred to",
                       f"put [^{match.group(1)}] in the text where the note belongs, or remove the note")
