"""What the Slack simulator reproduces of the Web API (read by the catalog)."""

from connectors.core.catalog import SimulatorSpec

COVERAGE = SimulatorSpec(
    covers=[
        "auth.test, chat.postMessage (threads with thread_ts), conversations.list, "
        "conversations.history (top-level messages and thread parents only), "
        "conversations.replies, users.list, users.lookupByEmail",
        "arguments as query, form or JSON; cursor pagination in response_metadata.next_cursor",
        "ok:false errors (not_authed, invalid_auth, missing_scope, channel_not_found, "
        "thread_not_found, …), tiered per-method limits and one post per second per channel "
        "with Slack's 429 and Retry-After",
    ],
    leaves_out=[
        "every other Web API method (reactions, files, views, admin, …), Events and Socket Mode",
    ],
)
