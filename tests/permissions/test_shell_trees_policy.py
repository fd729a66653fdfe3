"""Shell commands whose effect reaches below the paths they name: recursive deletes,
moves and copies against the protected paths, recursive reads against the read rules.

Each case is decided by the real policy over a real workspace folder, with every
command allowed by prefix (as a trusting person writes `Bash(rm:*)`)."""

from __future__ import annotations

import os

import pytest

from orchestra_lsp.permissions import Policy

PROGRAMS = [
    "cd",
    "rm",
    "mv",
    "cp",
    "find",
    "git",
    "rsync",
    "chmod",
    "chown",
    "grep",
    "egrep",
    "rg",
    "ag",
    "ack",
    "cat",
    "head",
    "tar",
    "zip",
    "diff",
    "sh",
    "busybox",
    "ls",
]


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    root = tmp_path_factory.mktemp("ws")
    files = [
        "pkg/.claude/settings.json",
        "pkg/index.js",
        "conf/deep/.orchestra/config.toml",
        "docs/CLAUDE.md",
        "drop/.github/workflows/ci.yml",
        "plain/a.txt",
        "src/app.py",
        "secrets/prod.txt",
        "vault/inner/key.pem",
        ".env",
        ".git/HEAD",
        "vendored/.claude/settings.json",
        "vendored/lib/deep/.git/HEAD",
    ]
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x\n")
    os.symlink("secrets", root / "hidden-way")
    return Policy.from_strings(
        allow=[f"run_shell({program} *)" for program in PROGRAMS],
        deny=["read_file(./.env)", "read_file(secrets/**)"],
        ask=["read_file(vault/**)"],
        workspace=str(root),
    )


@pytest.mark.parametrize(
    ("command", "verdict", "named"),
    [
        ("rm -rf pkg", "ask", "`pkg/.claude`"),
        ("rm -r pkg/", "ask", "`pkg/.claude`"),
        ("rm -R -- pkg", "ask", "`pkg/.claude`"),
        ("rm --recursive conf", "ask", "`conf/deep/.orchestra`"),
        ("rm -rf ./p*", "ask", "`pkg/.claude`"),
        ("rm -rf .", "deny", "`.git`"),
        ("rm -rf vendored", "deny", "`vendored/lib/deep/.git`"),  # found after an ask
        ("sh -c 'rm -rf docs'", "ask", "`docs/CLAUDE.md`"),
        ("busybox rm -rf docs", "ask", "`docs/CLAUDE.md`"),
        ("mv pkg /tmp/x", "ask", "protected"),  # also outside the workspace
        ("mv -t plain pkg", "ask", "`pkg/.claude`"),
        ("mv docs plain", "ask", "`docs/CLAUDE.md`"),
        ("git mv conf other", "ask", "`conf/deep/.orchestra`"),
        ("git rm -r --cached docs", "ask", "`docs/CLAUDE.md`"),
        ("find . -path ./pkg/index.js -delete", "deny", "`.git`"),
        ("find pkg -type f -exec rm -f {} ;", "ask", "`pkg/.claude`"),
        ("find conf -execdir chmod 777 {} +", "ask", "`conf/deep/.orchestra`"),
        ("chmod -R a+w pkg", "ask", "`pkg/.claude`"),
        ("chown -R nobody docs", "ask", "`docs/CLAUDE.md`"),
        ("cp -r drop/. .", "ask", "`.github/workflows`"),
        ("cp -a drop/.github .", "ask", "`.github/workflows`"),
        ("cp -r docs plain", "ask", "`plain/docs/CLAUDE.md`"),
        ("cp -rt plain pkg", "ask", "`plain/pkg/.claude`"),
        ("rsync -a drop/ .", "ask", "`.github/workflows`"),
        ("rsync -a --delete plain/ docs", "ask", "`docs/CLAUDE.md`"),
        ("grep -r x .", "deny", "`.env`"),
        ("grep -rl x", "deny", "`.env`"),
        ("egrep -d recurse x secrets", "deny", "`secrets/prod.txt`"),
        ("grep --recursive x hidden-way/", "deny", "`secrets/prod.txt`"),
        ("grep -r x vault", "ask", "`vault/inner`"),
        ("rg x", "deny", "`secrets/prod.txt`"),
        ("rg -uu x src .env", "deny", "`.env`"),
        ("rg -e x", "deny", "`secrets/prod.txt`"),
        ("rg -e x secrets", "deny", "`secrets/prod.txt`"),
        ("ag x", "deny", "`secrets/prod.txt`"),
        ("ack x plain secrets", "deny", "`secrets/prod.txt`"),
        ("cat secrets/*", "deny", "`secrets/prod.txt`"),
        ("head -c 10 ./.env", "deny", "`.env`"),
        ("cat hidden-way/prod.txt", "deny", "secrets/prod.txt"),
        ("find . -name '*.txt' -exec cat {} +", "deny", "`.env`"),
        ("find secrets -exec head {} ;", "deny", "`secrets/prod.txt`"),
        ("tar czf - -C secrets .", "deny", "`secrets/prod.txt`"),
        ("zip -r out.zip src secrets", "deny", "`secrets/prod.txt`"),
        ("diff -r secrets plain", "deny", "`secrets/prod.txt`"),
        ("cp -r secrets plain", "deny", "`secrets/prod.txt`"),
        ("mv vault plain", "ask", "`vault/inner`"),
        ("ls plain; grep -r x secrets | head", "deny", "`secrets/prod.txt`"),
        ("ln -s secrets/prod.txt x && cat x", "deny", "`secrets/prod.txt`"),
        ("git show HEAD:secrets/prod.txt", "deny", "`secrets/prod.txt`"),
        ("git cat-file -p :0:./secrets/prod.txt", "deny", "`secrets/prod.txt`"),
        ("git log -p -- secrets", "deny", "`secrets/prod.txt`"),
        ("git grep x", "deny", "`.env`"),
        ("git archive HEAD", "deny", "`.env`"),
        # after a `cd`, a relative path is taken in that folder too
        ("cd secrets && cat prod.txt", "deny", "`secrets/prod.txt`"),
        ("cd secrets; head *", "deny", "`secrets/prod.txt`"),
        ("cd conf && rm -rf deep", "ask", "`conf/deep/.orchestra`"),
        ("cd plain && rm -rf ../docs", "ask", "`docs/CLAUDE.md`"),
        ("cd conf/deep && cat > .orchestra/x.toml", "ask", "protected"),
        ("(cd conf && cd deep && rm -r -f ../deep)", "ask", "`conf/deep/.orchestra`"),
        ("cd && rm -rf .ssh", "ask", "home folder"),
        ("cd - && rm -rf x", "ask", "does not know"),
    ],
)
def test_a_command_reaching_below_what_it_names_is_decided_by_what_is_there(
    policy: Policy, command: str, verdict: str, named: str
) -> None:
    decision = policy.decide("run_shell", {"command": command})
    assert decision.verdict == verdict, (command, decision)
    assert named in decision.reason, (command, decision.reason)


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf plain",
        "rm pkg/index.js",
        "rm secrets/prod.txt",  # removing reads nothing
        "mv plain moved",
        "cp -r src plain",
        "cp -r plain/. src",
        "rsync -a plain/ src",
        "chmod -R a+r src",
        "find plain -delete",
        "find src -name '*.py' -exec cat {} +",
        "grep -r .env src",  # the pattern spells a withheld name; it is no path
        "rg --files",  # names only
        "rg -n x src",
        "ls secrets",
        "cat src/app.py",
        "tar czf - src",
        "cd src && cat app.py",
        "git show HEAD:src/app.py",
        "git log --format=%h:%s",
        "git grep x -- src",
        "git diff HEAD~1 -- src",
        "cd plain && rm -rf a.txt",
    ],
)
def test_the_same_commands_on_what_holds_nothing_protected_or_withheld_are_allowed(
    policy: Policy, command: str
) -> None:
    decision = policy.decide("run_shell", {"command": command})
    assert decision.verdict == ("ask" if command.startswith(("tar", "find plain")) else "allow"), (
        command,
        decision,
    )
