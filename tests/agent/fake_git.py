#!/usr/bin/env python3
"""A stand-in for `git` in front of the real one, for the agent's clone-token tests: a code host over HTTPS that
takes one token. `git clone https://user:<token>@host/...` clones `$FAKE_GIT_REPO` (a repository on disk) when
the token is `$FAKE_GIT_ACCEPTS`, and otherwise fails as git does against GitHub (with no token: as git does
when it may not prompt). Every other command is the real git's (`$FAKE_GIT_REAL`). Each call's arguments are
appended to `$FAKE_GIT_CALLS`, one JSON list a line.
"""

import json
import os
import sys
from urllib.parse import unquote, urlsplit


def main(argv: list[str]) -> int:
    with open(os.environ["FAKE_GIT_CALLS"], "a") as calls:
        calls.write(json.dumps(argv) + "\n")
    url = next((arg for arg in argv if arg.startswith("https://")), None)
    if argv[:1] == ["clone"] and url is not None:
        parts = urlsplit(url)
        where = f"https://{parts.hostname}{parts.path}"
        if os.environ.get("GIT_TERMINAL_PROMPT") != "0":  # the real one could wait for a password at a terminal
            print("fake git: a clone that may prompt for a password", file=sys.stderr)
            return 99
        if parts.password is None:
            print(
                f"fatal: could not read Username for 'https://{parts.hostname}': terminal prompts disabled",
                file=sys.stderr,
            )
            return 128
        if unquote(parts.password) != os.environ["FAKE_GIT_ACCEPTS"]:
            refused = "remote: Invalid username or token. Password authentication is not supported for Git operations."
            print(f"{refused}\nfatal: Authentication failed for '{where}/'", file=sys.stderr)
            return 128
        argv = [os.environ["FAKE_GIT_REPO"] if arg == url else arg for arg in argv]
    real = os.environ["FAKE_GIT_REAL"]
    os.execv(real, [real, *argv])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
