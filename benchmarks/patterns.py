"""Benchmark bus.patterns.RuleSet against moto's EventBridge matcher on GitHub-webhook-like events.

Run: ``python benchmarks/patterns.py``. Prints throughput (events per CPU second: process time, so
that other load on a shared machine skews the figures less) of both implementations at 10,
100 and 1,000 rules, their ratio, how our cost grows with the rule count, the compile time of 1,000
patterns, and whether both agree on which rules match (explaining each disagreement).

moto is timed the way its PutEvents uses it: every rule's ``EventPattern.matches_event(event)`` is
called for each event (PutEvents additionally deep-copies and re-parses the event per rule; that
overhead is not counted here).
"""

from __future__ import annotations

import importlib.util
import json
import random
import string
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moto.events.models import EventPattern

from bus.patterns import RuleSet, compile_pattern

SEED = 20240601
ORGS = ["winglang", "acme", "octo-org", "cloudkit", "data-lab"]
REPOS = ["wing", "api", "web", "infra", "docs", "sdk", "cli", "console", "examples", "website"]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
BOTS = ["dependabot[bot]", "renovate[bot]", "github-actions[bot]"]
ACTIONS = ["opened", "synchronize", "closed", "reopened", "labeled", "edited", "ready_for_review"]
LABELS = ["bug", "preview", "deploy", "docs", "dependencies", "breaking", "good first issue", "wontfix"]
COLORS = ["d73a4a", "0075ca", "a2eeef", "7057ff", "008672", "e4e669"]
BRANCH_PREFIXES = ["feature/", "fix/", "dependabot/npm/", "renovate/", "release/", "chore/"]
TOPICS = ["winglang", "cloud", "aws", "preview", "terraform", "typescript", "python"]
DETAIL_TYPES = ["pull_request", "push", "issues", "issue_comment", "check_run", "release"]


def _word(rng: random.Random, low: int = 4, high: int = 10) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(low, high)))


def _sha(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(40))


def _user(rng: random.Random, login: str) -> dict[str, Any]:
    uid = rng.randint(1_000, 9_999_999)
    return {
        "login": login,
        "id": uid,
        "node_id": f"MDQ6VXNlcj{uid}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "html_url": f"https://github.com/{login}",
        "type": "Bot" if login.endswith("[bot]") else "User",
        "site_admin": rng.random() < 0.05,
    }


def make_event(rng: random.Random) -> dict[str, Any]:
    """A deterministic GitHub webhook wrapped in an EventBridge envelope; ``detail`` is 2-4 KB."""
    org, repo = rng.choice(ORGS), rng.choice(REPOS)
    full_name = f"{org}/{repo}"
    sender = rng.choice(USERS + BOTS)
    number = rng.randint(1, 5_000)
    head_ref = rng.choice(BRANCH_PREFIXES) + _word(rng)
    labels = [
        {"id": rng.randint(10**8, 10**9), "name": name, "color": rng.choice(COLORS), "default": rng.random() < 0.3}
        for name in rng.sample(LABELS, rng.randint(0, 4))
    ]
    repository = {
        "id": rng.randint(10**7, 10**9),
        "name": repo,
        "full_name": full_name,
        "private": rng.random() < 0.4,
        "owner": _user(rng, org),
        "html_url": f"https://github.com/{full_name}",
        "description": " ".join(_word(rng) for _ in range(rng.randint(3, 12))),
        "fork": rng.random() < 0.1,
        "default_branch": rng.choice(["main", "master", "develop"]),
        "topics": rng.sample(TOPICS, rng.randint(0, 4)),
        "language": rng.choice(["TypeScript", "Python", "Go", None]),
        "stargazers_count": rng.randint(0, 20_000),
        "forks_count": rng.randint(0, 2_000),
        "open_issues_count": rng.randint(0, 500),
        "size": rng.randint(10, 500_000),
        "created_at": f"20{rng.randint(15, 23)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00Z",
    }
    pull_request = {
        "number": number,
        "title": " ".join(_word(rng) for _ in range(rng.randint(3, 9))),
        "state": rng.choice(["open", "closed"]),
        "draft": rng.random() < 0.2,
        "merged": rng.random() < 0.3,
        "user": _user(rng, sender),
        "body": " ".join(_word(rng) for _ in range(rng.randint(40, 190))),
        "labels": labels,
        "head": {"ref": head_ref, "sha": _sha(rng), "repo": {"full_name": full_name, "fork": False}},
        "base": {"ref": repository["default_branch"], "sha": _sha(rng), "repo": {"full_name": full_name}},
        "additions": rng.randint(0, 3_000),
        "deletions": rng.randint(0, 3_000),
        "changed_files": rng.randint(1, 120),
        "commits": rng.randint(1, 40),
        "html_url": f"https://github.com/{full_name}/pull/{number}",
    }
    if rng.random() < 0.3:
        pull_request["merged_at"] = "2024-05-01T12:00:00Z"
    detail: dict[str, Any] = {
        "action": rng.choice(ACTIONS),
        "number": number,
        "pull_request": pull_request,
        "repository": repository,
        "sender": _user(rng, sender),
    }
    if rng.random() < 0.8:
        detail["installation"] = {"id": rng.randint(10**6, 10**8), "node_id": _word(rng, 16, 24)}
    return {
        "version": "0",
        "id": f"{_word(rng, 8, 8)}-{_word(rng, 4, 4)}-{_word(rng, 12, 12)}",
        "detail-type": rng.choice(DETAIL_TYPES[:2]) if rng.random() < 0.7 else rng.choice(DETAIL_TYPES),
        "source": "github.com" if rng.random() < 0.9 else "wingcloud.internal",
        "account": "123456789012",
        "time": "2024-05-01T12:00:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:github:::{full_name}"],
        "detail": detail,
    }


def make_rule(rng: random.Random) -> dict[str, Any]:
    """A rule mixing exact, prefix, anything-but, numeric, exists and array conditions."""
    rule: dict[str, Any] = {"source": ["github.com"]}
    detail: dict[str, Any] = {}
    if rng.random() < 0.7:
        rule["detail-type"] = rng.sample(DETAIL_TYPES, rng.randint(1, 2))
    kinds = rng.sample(["repo", "prefix", "anything-but", "numeric", "exists", "labels", "topics", "org"], 2)
    for kind in kinds:
        if kind == "repo":
            names = [f"{rng.choice(ORGS)}/{rng.choice(REPOS)}" for _ in range(rng.randint(1, 3))]
            detail.setdefault("repository", {})["full_name"] = names
        elif kind == "org":
            detail.setdefault("repository", {})["full_name"] = [{"prefix": rng.choice(ORGS) + "/"}]
        elif kind == "prefix":
            head = detail.setdefault("pull_request", {}).setdefault("head", {})
            head["ref"] = [{"prefix": rng.choice(BRANCH_PREFIXES)}]
        elif kind == "anything-but":
            if rng.random() < 0.5:
                detail.setdefault("sender", {})["login"] = [{"anything-but": rng.sample(BOTS, 2)}]
            else:
                detail["action"] = [{"anything-but": rng.choice(ACTIONS)}]
        elif kind == "numeric":
            low = rng.randint(0, 2_000)
            detail.setdefault("pull_request", {})["additions"] = [{"numeric": [">=", low, "<", low + 1_000]}]
        elif kind == "exists":
            if rng.random() < 0.5:
                detail.setdefault("installation", {})["id"] = [{"exists": True}]
            else:
                detail.setdefault("pull_request", {})["merged_at"] = [{"exists": False}]
        elif kind == "labels":
            labels = detail.setdefault("pull_request", {}).setdefault("labels", {})
            labels["name"] = rng.sample(LABELS, rng.randint(1, 2))
            if rng.random() < 0.5:
                labels["color"] = rng.sample(COLORS, 3)  # must hold for the same label element
        elif kind == "topics":
            detail.setdefault("repository", {})["topics"] = [rng.choice(TOPICS)]
    rule["detail"] = detail
    return rule


def _crosses_object_array(event: Any, pattern: dict[str, Any]) -> bool:
    """Whether some path of ``pattern`` passes through an array of objects in ``event``."""
    for key, sub in pattern.items():
        if isinstance(sub, dict) and isinstance(event, dict):
            value = event.get(key)
            if isinstance(value, list) and any(isinstance(item, dict) for item in value):
                return True
            if _crosses_object_array(value, sub):
                return True
    return False


def _load_reference() -> Any:
    """The brute-force reference matcher of the property tests, to settle disagreements."""
    path = Path(__file__).resolve().parent.parent / "tests" / "unit" / "test_patterns_property.py"
    spec = importlib.util.spec_from_file_location("patterns_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reference_match


def _throughput(fn: Any, events: list[Any], min_seconds: float, passes: int = 5) -> float:
    """Best events/s of ``fn`` over several passes of ``events`` (each at least ``min_seconds``/``passes``).

    The best pass, not the mean, and process time, not wall time: other load on the machine skews less.
    """
    best = 0.0
    for _ in range(passes):
        count, start = 0, time.process_time()
        while True:
            for event in events:
                fn(event)
            count += len(events)
            elapsed = time.process_time() - start
            if elapsed >= min_seconds / passes:
                break
        best = max(best, count / elapsed)
    return best


def main() -> None:
    reference_match = _load_reference()
    rng = random.Random(SEED)
    events = [make_event(rng) for _ in range(500)]
    sizes = [len(json.dumps(event["detail"])) for event in events]
    rule_texts = [json.dumps(make_rule(rng)) for _ in range(1_000)]
    print(f"workload: {len(events)} events, detail {min(sizes)}-{max(sizes)} bytes; 1000 generated rules")

    start = time.process_time()
    for text in rule_texts:
        compile_pattern(text)
    compile_seconds = time.process_time() - start
    ruleset = RuleSet()
    start = time.process_time()
    for i, text in enumerate(rule_texts):
        ruleset.add(f"rule-{i}", text)
    ruleset.matching(events[0])  # builds the index
    build_seconds = time.process_time() - start
    print(
        f"compile 1000 patterns: {compile_seconds * 1000:.1f} ms; add 1000 rules + build index: {build_seconds * 1000:.1f} ms"
    )
    print()

    ours_rates: dict[int, float] = {}
    header = f"{'rules':>6} {'ours ev/s':>11} {'ours json ev/s':>15} {'moto ev/s':>10} {'ratio':>8} {'moto evs':>9} {'matches/ev':>11}"
    print(header)
    mismatch_reasons: Counter[str] = Counter()
    unexplained: list[str] = []
    for count in (10, 100, 1_000):
        texts = rule_texts[:count]
        ours = RuleSet()
        for i, text in enumerate(texts):
            ours.add(f"rule-{i}", text)
        moto_rules = [(f"rule-{i}", EventPattern.load(text)) for i, text in enumerate(texts)]
        texts_json = [json.dumps(event) for event in events]

        ours.matching(events[0])
        ours_rate = _throughput(ours.matching, events, 1.0)
        ours_json_rate = _throughput(ours.matching, texts_json, 0.5)
        ours_rates[count] = ours_rate

        def moto_matching(event: dict[str, Any], rules: list[tuple[str, Any]] = moto_rules) -> set[str]:
            return {name for name, pattern in rules if pattern.matches_event(event)}

        moto_events = events[: max(20, 20_000 // count)]
        moto_rate = _throughput(moto_matching, moto_events, 1.0, passes=3)

        total_matches = 0
        for event in moto_events:
            expected, got = moto_matching(event), ours.matching(event)
            total_matches += len(got)
            for name in expected ^ got:
                pattern = json.loads(texts[int(name.split("-")[1])])
                wrong = "moto" if reference_match(pattern, event) == (name in got) else "ours"
                why = "path crosses an array of objects" if _crosses_object_array(event, pattern) else "other"
                mismatch_reasons[f"{wrong} wrong (per brute-force reference): {why}"] += 1
                if wrong == "ours" and len(unexplained) < 5:
                    unexplained.append(f"{name} {json.dumps(pattern)}")
        print(
            f"{count:>6} {ours_rate:>11,.0f} {ours_json_rate:>15,.0f} {moto_rate:>10,.1f} "
            f"{ours_rate / moto_rate:>7,.0f}x {len(moto_events):>9} {total_matches / len(moto_events):>11.1f}"
        )

    print()
    print(f"cost per event, 1000 rules vs 10 rules (ours): {ours_rates[10] / ours_rates[1_000]:.1f}x")
    print(f"mismatches between moto and ours (rule x event pairs): {sum(mismatch_reasons.values())}")
    for reason, n in mismatch_reasons.most_common():
        print(f"  {n:>5}  {reason}")
    for line in unexplained:
        print(f"  example: {line}")
    print()
    print("targets: >=100x moto at 1000 rules; >=50,000 ev/s at 10 rules; cost(1000)/cost(10) <= 30; compile < 0.5 s")


if __name__ == "__main__":
    main()
