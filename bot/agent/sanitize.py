"""Untrusted text (issue titles and bodies, comments, data packets, repository files, gate
output) made safe to show a model as data.

Hidden content is removed first — HTML comments, invisible and direction-changing characters,
image alt text — because a person reviewing the issue cannot see it and the model should not
act on it. Anything shaped like a credential is redacted. The result is wrapped in a block the
prompt declares to be data; a closing tag inside the text is neutralised so it cannot end the
block early, and long text is cut with a marker that says how much. Text a tool returns (a file,
a gate report) is fenced the same way, except that invisible characters are shown as escapes
rather than removed, so the model sees the file as it is and can quote it exactly.
"""

from __future__ import annotations

import re
import unicodedata

REDACTED = "[redacted token]"
DEFAULT_LIMIT = 8_000

_HTML_COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
_HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]*)[^)]*\)")
_TOKENS = [re.compile(pattern) for pattern in (
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)",
    r"(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{20,}",
    r"github_pat_[A-Za-z0-9_]{20,}",
    r"sk-ant-[A-Za-z0-9_-]{10,}",
    r"(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}",
    r"shpat_[A-Za-z0-9_]{10,}",
    r"xox[abprs]-[A-Za-z0-9-]{10,}",
    r"AKIA[0-9A-Z]{16}",
    r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    r"\b[0-9a-f]{40,}\b",
    r"(?i)\b(?:password|passwd|secret|token|api[_-]?key)\s*[:=]\s*\S+",
)]
_TAG = re.compile(r"<(/?)untrusted", re.IGNORECASE)
_NAME = re.compile(r"[^A-Za-z0-9_.\[\]-]")
_KIND = re.compile(r"[^a-z_]")


def _visible(character: str) -> bool:
    return unicodedata.category(character) != "Cf" and not 0xE0000 <= ord(character) <= 0xE007F


def strip_hidden(text: str) -> str:
    """The text as a reader of the rendered issue sees it: no comments, no invisible
    characters, images reduced to a marker without their alt text."""
    text = _HTML_COMMENT.sub("", text)
    text = _HTML_IMAGE.sub("[image]", text)
    text = _MD_IMAGE.sub("[image]", text)
    return "".join(character for character in text if _visible(character))


def redact_tokens(text: str) -> str:
    """Anything that looks like a credential, replaced."""
    for pattern in _TOKENS:
        text = pattern.sub(REDACTED, text)
    return text


def data_block(kind: str, text: str, *, author: str | None = None,
               limit: int = DEFAULT_LIMIT) -> str:
    """Untrusted text as a delimited data block for a prompt."""
    clean = redact_tokens(strip_hidden(text))
    if len(clean) > limit:
        clean = clean[:limit] + f"\n[… {len(clean) - limit} more characters cut]"
    clean = _TAG.sub(lambda match: f"&lt;{match.group(1)}untrusted", clean)
    who = f' author="{_NAME.sub("", author)}"' if author else ""
    return f'<untrusted kind="{_KIND.sub("", kind)}"{who}>\n{clean}\n</untrusted>'


def _escaped(character: str) -> str:
    return character if _visible(character) else f"\\u{ord(character):04x}"


def fence(kind: str, text: str, *, limit: int = DEFAULT_LIMIT) -> str:
    """Text a tool returns — a repository file, a gate report — as a data block: credentials
    redacted, invisible characters shown as `\\uXXXX`, the closing tag neutralised, cut at
    `limit` with a marker."""
    shown = redact_tokens("".join(_escaped(character) for character in text))
    if len(shown) > limit:
        shown = shown[:limit] + f"\n[… {len(shown) - limit} more characters cut]"
    shown = _TAG.sub(lambda match: f"&lt;{match.group(1)}untrusted", shown)
    return f'<untrusted kind="{_KIND.sub("", kind)}">\n{shown}\n</untrusted>'


def title_block(title: str) -> str:
    """An issue title as a data block: cleaned like a body, on one line."""
    return data_block("issue_title", " ".join(title.split())[:300])
