"""A local server that speaks Anthropic's Messages API, scripted per test (and for the demo).

The real `anthropic` client reaches it through its base URL. Each request is checked the way
the API checks it (a malformed one gets the API's 400 and is recorded as a violation, so a test
can fail on it), recorded, and answered by the next turn of a script: a canned message, a
function of the request (a scripted model that reacts to tool results), or an error (429, 529
overloaded, 500). Answers are written to show the loop — they are not recordings of a model.
"""

from bot.doubles.messages.script import (
    Error,
    Reply,
    Script,
    Turn,
    refusal_reply,
    text_reply,
    tool_reply,
)
from bot.doubles.messages.server import MessagesSimulator, RecordedCall

__all__ = ["Error", "MessagesSimulator", "RecordedCall", "Reply", "Script", "Turn", "refusal_reply",
           "text_reply", "tool_reply"]
