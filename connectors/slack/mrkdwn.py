"""Slack's message text format, and keeping user data from being read as markup.

In Slack's text format `&`, `<` and `>` are control characters: `<@U123>` mentions someone,
`<!channel>` notifies a whole channel, `<https://x|label>` is a link. Data copied into a message
(a customer's name, an order note) must have them escaped, or a value such as `<!channel>` pings
everybody and `a < b` loses its text. Only these three are escaped; Slack documents no others.
"""

from __future__ import annotations

_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def escape_mrkdwn(text: str) -> str:
    """`text` with `&`, `<` and `>` escaped, so Slack shows it literally instead of as markup."""
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return text


def unescape_mrkdwn(text: str) -> str:
    """The literal text of a message Slack stored escaped (the inverse of `escape_mrkdwn`)."""
    for raw, escaped in reversed(_ESCAPES):
        text = text.replace(escaped, raw)
    return text
