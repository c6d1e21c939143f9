"""Trim GitHub's OpenAPI description to the operations the GitHub simulator serves.

Usage: python scripts/trim_github_openapi.py PATH/TO/api.github.com.json OUT.json

The input is `generated/api.github.com.json` from the npm package @octokit/openapi (the version
is recorded in the output's `x-flowbot-source`). Everything the kept operations reference —
schemas, parameters, responses, headers, examples — is kept, transitively; nothing else.
"""

from __future__ import annotations

import json
import sys
from typing import Any

SERVED = {
    "/app": ["get"],
    "/app-manifests/{code}/conversions": ["post"],
    "/app/installations/{installation_id}/access_tokens": ["post"],
    "/repos/{owner}/{repo}": ["get"],
    "/repos/{owner}/{repo}/installation": ["get"],
    "/repos/{owner}/{repo}/issues": ["get", "post"],
    "/repos/{owner}/{repo}/issues/{issue_number}": ["get", "patch"],
    "/repos/{owner}/{repo}/issues/{issue_number}/comments": ["get", "post"],
    "/repos/{owner}/{repo}/issues/comments/{comment_id}": ["get", "patch"],
    "/repos/{owner}/{repo}/labels": ["get", "post"],
    "/repos/{owner}/{repo}/issues/{issue_number}/labels": ["post"],
    "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}": ["delete"],
    "/repos/{owner}/{repo}/issues/{issue_number}/reactions": ["post"],
    "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": ["post"],
    "/repos/{owner}/{repo}/collaborators/{username}/permission": ["get"],
    "/repos/{owner}/{repo}/pulls": ["get", "post"],
    "/repos/{owner}/{repo}/pulls/{pull_number}": ["get", "patch"],
    "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers": ["post"],
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews": ["get"],
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments": ["get"],
    "/repos/{owner}/{repo}/check-runs": ["post"],
    "/repos/{owner}/{repo}/check-runs/{check_run_id}": ["patch"],
}
TEMPLATES = ["issue", "issue-comment", "pull-request", "check-run", "installation-token",
             "installation", "integration", "reaction", "full-repository", "label-items",
             "simple-user", "repository-collaborator-permission-response-if-user-has-admin-"
             "permissions"]


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.add(node["$ref"])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with only the served operations and what they reference."""
    paths = {path: {method: spec["paths"][path][method] for method in methods}
             for path, methods in SERVED.items()}
    kept: dict[str, dict[str, Any]] = {}
    pending = _refs(paths) | {f"#/components/examples/{name}" for name in TEMPLATES}
    while pending:
        ref = pending.pop()
        _, _, section, name = ref.split("/", 3)
        if name in kept.setdefault(section, {}):
            continue
        node = spec["components"][section][name]
        kept[section][name] = node
        pending |= _refs(node)
    return {"openapi": spec["openapi"], "info": spec["info"], "servers": spec.get("servers"),
            "paths": paths, "components": kept}


def main() -> None:
    """Read the full description, write the trimmed one."""
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as handle:
        spec = json.load(handle)
    trimmed = trim(spec)
    trimmed["x-flowbot-source"] = ("npm @octokit/openapi 23.0.2, generated/api.github.com.json "
                                   "(tarball shasum 743435033357133786d56271b48a67991a614b0a)")
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(trimmed, handle, separators=(",", ":"), sort_keys=True)


if __name__ == "__main__":
    main()
