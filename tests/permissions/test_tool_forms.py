"""More read-looking commands allowed by prefix (`Bash(sqlite3:*)` becomes
`run_shell(sqlite3*)`) whose forms write files, run programs or read files the line
does not name: awk's `ARGV`/`ARGC`, yq's `load`, jq's `import`, less's log files and
start-up commands, split/csplit, sqlite3's dot-commands, functions and writing SQL,
output options (`shuf -o`, `iconv -o`, `dd of=`), `patch`, `perl -i`, ssh's local
programs, and wrappers that run their operand (`watch`, `flock`, `chrt`, `time -o`).

Where the tool is on the machine, the cases are checked against it: the hazards really
read the outside file or change the database, and the allowed forms really do not."""

from __future__ import annotations

import contextlib
import random
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestra_lsp.command_forms import command_form
from orchestra_lsp.permissions import Policy
from orchestra_lsp.shell_effects import shell_effects

SECRET = "outside-secret-5f1e2d"

PREFIX_RULES = [
    f"run_shell({name}*)"
    for name in (
        "awk", "gawk", "mawk", "yq", "jq", "less", "more", "split", "csplit", "sqlite3",
        "shuf", "iconv", "sdiff", "dd", "patch", "perl", "ssh", "scp", "watch", "flock",
        "chrt", "taskset", "time", "sed", "git status", "cat", "psql", "bat", "openssl",
        "xmllint", "diff3", "zip", "rsync", "mysql", "mariadb", "vim", "ex", "ed", "emacs",
        "ruff", "npx", "uvx", "pipx", "python", "python3", "black", "isort", "gofmt",
        "clang-format", "shfmt", "rustfmt", "eslint", "prettier", "cargo", "go", "terraform",
        "rubocop", "biome", "golangci-lint", "npm", "pnpm", "yarn",
    )
]  # fmt: skip


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("forms")
    (base / "secret.txt").write_text(SECRET + "\n")  # outside the workspace
    (base / "secret.json").write_text(f'{{"token": "{SECRET}"}}\n')
    root = base / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text("x = 1\n")
    return root


@pytest.fixture(scope="module")
def policy(workspace: Path) -> Policy:
    return Policy.from_strings(allow=PREFIX_RULES, workspace=str(workspace))


def _found(workspace: Path, command: str) -> str:
    """Every hazard, write and read the analysis found, as one text."""
    policy = Policy.from_strings(workspace=str(workspace))
    effects = shell_effects(command, str(workspace), lambda p: policy.protection(p) is not None)
    hazards = [h for invocation in effects.invocations for h in invocation.hazards]
    return "\n".join(
        [*hazards, *(f"> {path}" for path in effects.writes), *(f"< {p}" for p in effects.reads)]
    )


HAZARDS = [
    # awk: programs that change which files are read
    ("awk 'BEGIN { ARGV[1] = \"../secret.txt\"; ARGC = 2 } { print }'", "changes `ARGV`"),
    ("awk 'BEGIN { ARGV[ARGC++] = \"../secret.txt\" } 1' src/a.py", "changes `ARGV`"),
    ("awk 'BEGIN{ ++ARGC; ARGV[2]=\"x\" }1' src/a.py", "changes `ARGC`"),
    ('mawk \'BEGIN { split("../secret.txt", ARGV, ":"); ARGC = 2 } 1\'', "hands `ARGV` on"),
    ("awk 'BEGIN { sub(/.*/, \"../secret.txt\", ARGV[1]) } 1' src/a.py", "changes `ARGV`"),
    ("awk 'NR == 1 { getline ARGV[2]; ARGC = 3 } 1' src/a.py", "changes `ARGV`"),
    ("awk 'BEGIN { for (ARGC in a) ; }1' src/a.py", "changes `ARGC`"),
    ("awk 'function f(a) { a[1] = \"../secret.txt\" } BEGIN { f(ARGV) } 1' src/a.py", "`ARGV` on"),
    ("gawk 'BEGIN { SYMTAB[\"ARGC\"] = 3 } 1' src/a.py", "`SYMTAB`"),
    ("awk -v f=../secret.txt 'BEGIN { ARGV[1] = f } 1' src/a.py", "changes `ARGV`"),
    # awk: an escape in a file name is not the device it looks like
    ("awk '{ print > \"/dev/stdou\\t\" }' src/a.py", "`print >` writes a file"),
    ("gawk --exec prog.awk", "`awk --exec`"),
    ("gawk --load=filefuncs 'BEGIN{}'", "`awk --load`"),
    # yq: files its expression reads, expressions and split names from files
    ("yq '.a = load(\"../secret.txt\")' x.yaml", "`../secret.txt`, which the command reads"),
    ("yq eval-all '.a = load_str(.path)' a.yaml b.yaml", "computes"),
    ("yq ea '.a = strload(\"/etc/passwd\")' a.yaml", "`/etc/passwd`, which the command reads"),
    ("yq '.k = load_xml(\"../x.xml\")' x.yaml", "`../x.xml`, which the command reads"),
    ("yq --expression='.a = load(\"/etc/passwd\")' x.yaml", "`/etc/passwd`, which the command"),
    ("yq '.a = load (.p)' download.yaml", "computes"),
    ("yq --from-file q.yq x.yaml", "`yq --from-file`"),
    ("yq --split-exp-file e.yq x.yaml", "writes a file per document"),
    ("yq e -s '.name' x.yaml", "writes a file per document"),
    ("yq eval --inplace=true '.a = 1' x.yaml", "`yq -i`"),
    ("yq -i=true '.a = 1' x.yaml", "`yq -i`"),
    ("yq -f prog.jq x.yaml", "`yq --from-file`"),  # kislyuk's yq: jq's -f
    ("yq -n 'import \"../secret\" as $s; $s'", "`import`"),
    # jq: modules and data files from its search path, programs from files
    ("jq -n 'import \"../secret\" as $s; $s'", "jq's `import`/`include`"),
    ("jq -n 'include \"lib\"; f'", "jq's `import`/`include`"),
    ("jq --arg x 1 -n 'import \"../secret\" as $s; $s'", "jq's `import`/`include`"),
    ("jq -f prog.jq data.json", "`jq -f`"),
    ("jq -nf prog.jq", "`jq -f`"),
    ("jq --from-file=prog.jq data.json", "`jq -f`"),
    # less: log files are writes; start-up commands and key files run programs
    ("less -o log.txt src/a.py", "> log.txt"),
    ("cat src/a.py | less -Olog.txt", "> log.txt"),
    ("less -No log.txt src/a.py", "> log.txt"),
    ("less --log-file=log.txt src/a.py", "> log.txt"),
    ("less --log-f log.txt src/a.py", "> log.txt"),  # an abbreviation
    ("less --LOG-FILE=log.txt src/a.py", "> log.txt"),
    ("less '+!id' src/a.py", "`less +!id` runs a less command"),
    ("less '+!id\n' src/a.py", "runs a less command"),
    ("less '+!id\r' src/a.py", "runs a less command"),
    ("less '++|xsh' src/a.py", "runs a less command"),
    ("less +v src/a.py", "runs a less command"),
    ("less '+s saved.txt' src/a.py", "runs a less command"),
    ("less '+:e ../secret.txt' src/a.py", "runs a less command"),
    ("less '+/x\n!id' src/a.py", "runs a less command"),  # a newline ends the search
    ("less -p 'x\n!id' src/a.py", "`less -p` with a control character"),
    ("less -k keys src/a.py", "`less -k`"),
    ("less --lesskey-src=keys src/a.py", "`less -k`"),
    # split and csplit make up the names of the files they write
    ("split -l 1 src/a.py part-", "`split` writes its pieces"),
    ("split --filter='sh -c id' src/a.py", "`split --filter` runs a program"),
    ("csplit src/a.py 1", "`csplit` writes its pieces"),
    ("csplit -f .en src/a.py 1", "`csplit` writes its pieces"),
    # sqlite3: dot-commands (also abbreviated), shell functions, other files, input
    ("sqlite3 app.db '.shell id'", "sqlite3's `.shell`"),
    ("sqlite3 app.db '.sh id'", "sqlite3's `.sh`"),
    ("sqlite3 app.db '.sy id'", "sqlite3's `.sy`"),
    ("sqlite3 app.db ' .system id'", "sqlite3's `.system`"),
    ("sqlite3 app.db '.output out.txt' 'select 1'", "sqlite3's `.output`"),
    ("sqlite3 app.db '.once out.txt' 'select 1'", "sqlite3's `.once`"),
    ("sqlite3 app.db '.testcase x' 'select 1'", "sqlite3's `.testcase`"),
    ("sqlite3 app.db '.read x.sql'", "sqlite3's `.read`"),
    ("sqlite3 app.db '.import data.csv t'", "sqlite3's `.import`"),
    ("sqlite3 app.db '.open other.db'", "sqlite3's `.open`"),
    ("sqlite3 app.db '.save copy.db'", "sqlite3's `.save`"),
    ("sqlite3 app.db '.load ./evil'", "sqlite3's `.load`"),
    ("sqlite3 app.db -cmd '.shell id' 'select 1'", "sqlite3's `.shell`"),
    ("sqlite3 app.db 'select 1' --cmd '.system id'", "sqlite3's `.system`"),
    ("sqlite3 app.db \"select writefile('x.sh', 'id')\"", "`writefile` reaches files"),
    ("sqlite3 app.db \"SELECT ReadFile('../secret.txt')\"", "`readfile` reaches files"),
    ("sqlite3 app.db \"select name from fsdir('/root')\"", "`fsdir` reaches files"),
    ("sqlite3 app.db \"select edit('x', 'vi')\"", "`edit` reaches files"),
    ("sqlite3 app.db \"select load_extension('./x')\"", "`load_extension`"),
    ("sqlite3 app.db \"select sha3_query('select readfile(''x'')')\"", "`sha3_query`"),
    ("sqlite3 app.db \"attach '../other.db' as o\"", "`ATTACH` opens another database"),
    ("sqlite3 app.db \"vacuum into 'copy.db'\"", "`VACUUM INTO` writes"),
    ("sqlite3 app.db", "without SQL on the line reads commands from its input"),
    ("sqlite3 app.db < script.sql", "without SQL on the line"),
    ("echo '.shell id' | sqlite3 app.db", "without SQL on the line"),
    ("sqlite3 -init evil.sql app.db 'select 1'", "`sqlite3 -init`"),
    ("sqlite3 -Axf a.sqlar", "`sqlite3 -A`"),
    # sqlite3: SQL that changes the database writes its file
    ("sqlite3 app.db 'insert into t values (1)'", "> app.db"),
    ("sqlite3 app.db 'create table u (x)'", "> app.db"),
    ("sqlite3 app.db 'drop table t'", "> app.db"),
    ("sqlite3 -json app.db 'select 1; delete from t'", "> app.db"),
    ("sqlite3 app.db 'with d as (select 1) update t set x = 2'", "> app.db"),
    ("sqlite3 app.db 'replace into t values (1)'", "> app.db"),
    ("sqlite3 app.db 'pragma user_version = 7'", "> app.db"),
    ("sqlite3 app.db 'pragma main.journal_mode(wal)'", "> app.db"),
    ("sqlite3 app.db 'vacuum'", "> app.db"),
    # output options are writes; dd's operands are files
    ("shuf -o out.txt src/a.py", "> out.txt"),
    ("shuf --output=.env src/a.py", "> .env"),
    ("iconv -f utf-8 -t ascii -o out.txt src/a.py", "> out.txt"),
    ("sdiff -o merged.txt src/a.py src/a.py", "> merged.txt"),
    ("sdiff --diff-program=./x src/a.py src/a.py", "`sdiff --diff-program`"),
    ("dd if=src/a.py of=copy.py", "> copy.py"),
    ("dd if=../secret.txt", "`../secret.txt`, which the command reads"),
    # patch writes what its patch names; perl edits in place
    ("patch -p1 < fix.diff", "`patch` writes the files its patch names"),
    ("patch src/a.py fix.diff", "`patch` writes"),
    ("perl -pi -e 's/x/y/' src/a.py", "`perl -i` edits files in place"),
    ("perl -i.bak -pe 's/x/y/' src/a.py", "`perl -i`"),
    ("perl -0777 -pi -e 's/x/y/' src/a.py", "`perl -i`"),
    # ssh: options that run local programs or load libraries
    ("ssh -o ProxyCommand='sh -c id' host", "`ssh -o proxycommand` runs a local program"),
    ("ssh -oProxyCommand=./x host", "`ssh -o proxycommand`"),
    ("ssh -o 'LocalCommand id' -o PermitLocalCommand=yes host", "`ssh -o localcommand`"),
    ("ssh host -o KnownHostsCommand=./x", "`ssh -o knownhostscommand`"),
    ("ssh -F ./cfg host", "`ssh -F` reads settings"),
    ("ssh -I ./lib.so host", "`ssh -I` loads a library"),
    ("ssh -E log.txt host", "> log.txt"),
    ("scp -S ./x a host:b", "`scp -S` runs a program"),
    # wrappers: the command they run is analysed like a direct one
    ("watch 'sed -i s/x/y/ src/a.py'", "`sed -i`"),
    ("watch -n 1 'git status; sed -i s/x/y/ src/a.py'", "`sed -i`"),
    ("watch -x sed -i s/x/y/ src/a.py", "`sed -i`"),
    ('watch "$CMD"', "`watch` runs a command the shell computes"),
    ("flock build.lock sed -i s/x/y/ src/a.py", "`sed -i`"),
    ("flock -w 5 build.lock -c 'sed -i s/x/y/ src/a.py'", "`sed -i`"),
    ("flock .env true", "> .env"),
    ("chrt 1 sed -i s/x/y/ src/a.py", "`sed -i`"),
    ("taskset -c 0 sed -i s/x/y/ src/a.py", "`sed -i`"),
    ("time -o .env git status", "> .env"),
    ("/usr/bin/time --output=report.txt git status", "> report.txt"),
    ("script -c 'git status' typescript.txt", "`script` writes a typescript"),
    # psql: meta-commands, server-side files and programs, commands not on the line
    ("psql -c '\\! id'", "psql's `\\!`"),
    ("psql -d app -c '\\o out.txt'", "psql's `\\o`"),
    ("psql -c '\\copy t to out.csv'", "psql's `\\copy`"),
    ("psql -c '\\dt \\! id'", "psql's `\\!`"),
    ("psql -c '\\w out.txt'", "psql's `\\w`"),
    ("psql -c 'select 1' -c '\\gexec'", "psql's `\\gexec`"),
    ("psql --comm '\\! id'", "psql's `\\!`"),  # an abbreviation
    ("psql -c \"copy t to program 'id'\"", "SQL `COPY` to or from a file or program"),
    ("psql -c \"COPY t FROM '/etc/passwd'\"", "SQL `COPY`"),
    ("psql -c \"select E'\\\\''; copy t to program 'id'; --\"", "SQL `COPY`"),
    ("psql -c \"select \\$\\$'\\$\\$; copy t to program 'id'\"", "SQL `COPY`"),
    ("psql -c \"select pg_read_file('/etc/passwd')\"", "`pg_read_file` reads files"),
    ("psql -c \"select lo_export(1, '/tmp/x')\"", "`lo_export`"),
    ("psql -c 'create extension plpython3u'", "`create extension`"),
    ("psql -c \"LOAD '/tmp/evil.so'\"", "SQL `load`"),
    ("psql -c \"do language plpgsql 'begin perform 1; end'\"", "SQL `DO`"),
    ("psql -c \"do \\$\\$ begin execute 'x'; end \\$\\$\"", "SQL `DO`"),
    ("psql -v q=\"copy t to program 'id'\" -c ':q'", "SQL `COPY`"),
    ("psql -f evil.sql", "`psql -f`"),
    ("psql app", "`psql` without `-c` reads commands from its input"),
    ("psql -o out.txt -c 'select 1'", "> out.txt"),
    ("psql -o '|sh' -c 'select 1'", "`psql -o |…` runs a program"),
    ("psql -L log.txt -c 'select 1'", "> log.txt"),
    # others: pagers, output files, programs, archives
    ("bat --pager='sh -c id' src/a.py", "`bat --pager`"),
    ("openssl req -new -newkey rsa:2048 -nodes -keyout key.pem -out x.csr", "> key.pem"),
    (
        "openssl enc -aes256 -in src/a.py -out enc.bin -pass file:../secret.txt",
        "which the command reads",
    ),
    ("openssl s_client -engine ./x.so", "`openssl -engine`"),
    ("xmllint --output out.xml x.xml", "> out.xml"),
    ("xmllint --shell x.xml", "`xmllint --shell`"),
    ("diff3 --diff-program=./x a b c", "`diff3 --diff-program`"),
    ("zip -r out.zip src", "`zip` writes an archive"),
    ("zip -T -TT 'sh -c id' out.zip src/a.py", "`zip` writes"),
    ("rsync -e 'sh -c id' a host:b", "`rsync -e`"),
    ("rsync --rsync-path='sh -c id' a host:b", "`rsync -e`/`--rsync-path`"),
    ("rsync -a --log-file=log.txt src/ build/", "> log.txt"),
    # mysql: client commands, the server's files, options from files
    ("mysql -e 'system id'", "a mysql client command runs programs"),
    ("mysql -e '\\! id'", "a mysql client command"),
    ("mysql -D app -e 'select 1; source /tmp/x.sql'", "a mysql client command"),
    ("mariadb --exec='\\. x.sql'", "a mysql client command"),  # an abbreviation
    ("mysql -e \"select * from t into outfile '/tmp/x'\"", "SQL `into outfile`"),
    ("mysql -e \"LOAD DATA LOCAL INFILE '../secret.txt' INTO TABLE t\"", "SQL `load data`"),
    ("mysql -e \"select load_file('/etc/passwd')\"", "SQL `load_file`"),
    ("mysql -e \"install plugin x soname 'x.so'\"", "SQL `install plugin`"),
    ("mysql --init-command='system id' -e 'select 1'", "a mysql client command"),
    ("mysql --tee=log.txt -e 'select 1'", "> log.txt"),
    ("mysql --pager='sh -c id' -e 'select 1'", "`mysql --pager`"),
    ("mysql --defaults-file=x.cnf -e 'select 1'", "`mysql --defaults-file`"),
    ("mysql app", "`mysql` without `-e` reads commands from its input"),
    # editors: every command they take can write and run
    ("vim -es -u NONE -c '!touch pwned' -c q", "`vim` runs editor commands"),
    ("vim +'w! out.txt' +q src/a.py", "`vim` runs editor commands"),
    ("ex -s src/a.py", "`ex` runs editor commands"),
    ("printf '!id\\nq\\n' | ed src/a.py", "`ed` runs editor commands"),
    ("emacs --batch --eval '(shell-command \"id\")'", "`emacs` runs editor commands"),
    # linters and formatters that fix in place, directly or through a runner
    ("ruff check --fix src", "`ruff check --fix` rewrites files in place"),
    ("ruff check --fix=true src", "`ruff check --fix`"),
    ("ruff check --add-noqa src", "`ruff check --add-noqa`"),
    ("ruff check -o report.txt src", "> report.txt"),
    ("ruff format src", "`ruff format` rewrites files in place unless told to check"),
    ("ruff --fix src", "`ruff --fix`"),
    ("uvx ruff check --fix src", "`ruff check --fix`"),
    ("python -m ruff format .", "`ruff format` rewrites"),
    ("python3 -m black src", "`black` rewrites files in place unless told to check"),
    ("black -l 100 src", "`black` rewrites"),
    ("pipx run black src", "`black` rewrites"),
    ("isort src", "`isort` rewrites"),
    ("npx prettier --write .", "`prettier --write` rewrites files in place"),
    ("npx -y prettier -w src", "`prettier -w`"),
    ("npx eslint --fix src", "`eslint --fix`"),
    ("npx eslint -o report.html src", "> report.html"),
    ("npx -c 'rm -rf src'", "`npx -c` runs a command line"),
    ("npx sed -i s/x/y/ src/a.py", "`sed -i`"),
    ("gofmt -w .", "`gofmt -w`"),
    ("clang-format -i x.c", "`clang-format -i`"),
    ("shfmt -w x.sh", "`shfmt -w`"),
    ("rustfmt src/main.rs", "`rustfmt` rewrites"),
    ("cargo fmt", "`cargo fmt` rewrites files in place unless told to check"),
    ("cargo clippy --fix --allow-dirty", "`cargo clippy --fix`"),
    ("go fmt ./...", "`go fmt` rewrites"),
    ("terraform fmt -recursive", "`terraform fmt` rewrites"),
    ("rubocop -A", "`rubocop -A`"),
    ("biome check --write .", "`biome check --write`"),
    ("golangci-lint run --fix", "`golangci-lint run --fix`"),
    ("npm run lint -- --fix", "`npm … --fix` hands `--fix` on to the script's tool"),
    ("yarn lint --fix", "`yarn … --fix`"),
    ("pnpm run format --write", "`pnpm … --write`"),
    ("npm exec -- prettier --write .", "`prettier --write`"),
    ("pnpm dlx eslint --fix src", "`eslint --fix`"),
]

ALLOWED = [
    "awk '{ print $1 }' src/a.py",
    "awk 'BEGIN { for (i = 1; i < ARGC; i++) print ARGV[i] }' src/a.py",
    "awk 'BEGIN { n = ARGC; f = ARGV[1] } { print FILENAME, n, f }' src/a.py",
    "awk 'BEGIN { for (k in ARGV) print k, ARGV[k] }' src/a.py",
    "awk 'BEGIN { delete ARGV[1] } 1' src/a.py",
    "awk 'END { print length(ARGV), ARGC }' src/a.py",
    "awk '{ print > \"/dev/stderr\" }' src/a.py",
    "awk -v x=1 '{ print $1 + x }' src/a.py",
    "yq '.a' x.yaml",
    "yq eval-all '. as $i ireduce ({}; . * $i)' a.yaml b.yaml",
    "yq '.a = load(\"other.yaml\")' x.yaml",
    "yq -f extract '.title' post.md",
    "yq -y '.a' x.yaml",
    "yq '.downloads' download.yaml",
    "jq '.[] | select(.name == \"x\")' data.json",
    "jq -r '.import, .include' data.json",
    "jq -n '$__loc__, input_filename'",
    "jq --arg name 'import \"x\"' '.[$name]' data.json",
    "jq -L lib -n '1'",
    "less src/a.py",
    "less -N -R src/a.py",
    "less +G src/a.py",
    "less +/def src/a.py",
    "less '+?x' src/a.py",
    "less +100 src/a.py",
    "less -p def src/a.py",
    "less -o /dev/null src/a.py",
    "more src/a.py",
    "more +/x src/a.py",
    "more +10 src/a.py",
    "split --help",
    "sqlite3 app.db 'select 1'",
    "sqlite3 -json app.db 'select * from t where x = 1'",
    "sqlite3 app.db 'select replace(x, 1, 2) from t'",
    "sqlite3 app.db '.tables'",
    "sqlite3 app.db '.schema t'",
    "sqlite3 -header -csv app.db 'select * from t'",
    "sqlite3 app.db '.mode json' 'select count(*) from t'",
    "sqlite3 app.db 'pragma table_info(t)'",
    "sqlite3 app.db 'pragma user_version'",
    'sqlite3 app.db "select \'insert; .shell\', \\"update\\" from t -- delete"',
    "sqlite3 -readonly app.db 'delete from t'",
    "sqlite3 :memory: 'create table u (x); insert into u values (1); select * from u'",
    "sqlite3 -version",
    "shuf -n 3 src/a.py",
    "iconv -f utf-8 -t ascii src/a.py",
    "sdiff src/a.py src/a.py",
    "dd if=src/a.py bs=1 count=2",
    "patch --dry-run -p1",
    "perl -ne 'print if /x/' src/a.py",
    "ssh host uptime",
    "watch -n 2 git status",
    "watch 'git status'",
    "chrt 1 git status",
    "time git status",
    "flock -n 9",
    "psql -c 'select 1'",
    "psql -d app -At -c 'select * from users limit 5'",
    "psql -c '\\dt'",
    "psql -c '\\d+ users'",
    "psql -l",
    "psql -c 'copy t to stdout'",
    "psql -c 'insert into t values (1) on conflict do nothing'",
    "psql -v ON_ERROR_STOP=1 --no-psqlrc -c 'select 1'",
    "psql -c \"select * from tasks where status in ('to do', 'load', 'done')\"",
    "dd if=/dev/zero of=/dev/null bs=1M count=1",
    "bat src/a.py",
    "openssl x509 -in cert.pem -noout -text",
    "openssl req -in x.csr -noout -subject",
    "xmllint --noout x.xml",
    "diff3 a b c",
    "rsync -a src/ build/",
    "mysql -e 'select 1'",
    "mysql -u app -D app -e 'select * from t where x = 1'",
    "mariadb -psecret -B -N -e 'show tables'",
    "mysql -e \"select 'system is fine as data' from t\"",
    "vim --version",
    "ruff check src",
    "ruff check --no-fix --output-format=github src",
    "ruff format --check src",
    "ruff format --diff src",
    "ruff rule E501",
    "uvx ruff check src",
    "python -m black --check src",
    "python -m pytest -q",
    "black --check --diff src",
    "isort --check-only src",
    "npx prettier --check .",
    "npx eslint src",
    "gofmt -l .",
    "clang-format x.c",
    "shfmt -d x.sh",
    "rustfmt --check src/main.rs",
    "cargo fmt --check",
    "cargo clippy -- -D warnings",
    "cargo build",
    "go vet ./...",
    "terraform fmt -check",
    "rubocop",
    "biome check .",
    "golangci-lint run",
    "npm run lint",
    "npm test -- --coverage",
    "yarn lint",
    "pnpm exec eslint src",
]


@pytest.mark.parametrize(("command", "why"), HAZARDS)
def test_forms_that_write_run_or_read_unseen_files_are_asked(
    workspace: Path, policy: Policy, command: str, why: str
) -> None:
    decision = policy.decide("run_shell", {"command": command})
    assert decision.verdict == "ask", decision.reason
    assert why in _found(workspace, command)


@pytest.mark.parametrize("command", ALLOWED)
def test_harmless_forms_stay_allowed(policy: Policy, command: str) -> None:
    decision = policy.decide("run_shell", {"command": command})
    assert decision.verdict == "allow", decision.reason


def test_a_deny_rule_sees_through_the_new_wrappers(workspace: Path) -> None:
    policy = Policy.from_strings(
        allow=["run_shell"], deny=["run_shell(rm *)"], workspace=str(workspace)
    )
    for command in (
        "watch rm -rf src",
        "watch -n 1 'git status; rm -rf src'",
        "flock build.lock rm -rf src",
        "flock build.lock -c 'rm -rf src'",
        "chrt 1 rm -rf src",
        "taskset 0x1 rm -rf src",
        "prlimit --nofile=10 rm -rf src",
        "script -q -c 'rm -rf src' /dev/null",
        "xargs --max-args 2 rm -rf",
        "setpriv --reuid=0 rm -rf src",
    ):
        assert policy.decide("run_shell", {"command": command}).verdict == "deny", command


def test_sqlite_writes_are_decided_like_redirections(workspace: Path) -> None:
    policy = Policy.from_strings(
        allow=["run_shell(sqlite3*)", "edit(build/**)"], workspace=str(workspace)
    )
    insert = "sqlite3 build/app.db 'insert into t values (1)'"
    assert policy.decide("run_shell", {"command": insert}).verdict == "allow"
    decision = policy.decide("run_shell", {"command": "sqlite3 src/app.db 'delete from t'"})
    assert decision.verdict == "ask" and "`> src/app.db`" in decision.reason
    decision = policy.decide("run_shell", {"command": "sqlite3 .env 'select 1'"})
    assert decision.verdict == "ask" and "protected" in decision.reason


# ------------------------------------------------------------ against the real tools


def _real(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=30
    )


READING_OUTSIDE = [
    "awk 'BEGIN { ARGV[1] = \"../secret.txt\"; ARGC = 2 } { print }'",
    "awk 'BEGIN { ARGV[ARGC++] = \"../secret.txt\" } 1' src/a.py",
    'awk \'BEGIN { split("../secret.txt", ARGV, ":"); ARGC = 2 } 1\'',
    "awk 'BEGIN { sub(/.*/, \"../secret.txt\", ARGV[1]) } 1' src/a.py",
    "awk 'function f(a) { a[1] = \"../secret.txt\" } BEGIN { f(ARGV) } 1' src/a.py",
    "jq -n 'import \"../secret\" as $s; $s'",
]


@pytest.mark.parametrize("command", READING_OUTSIDE)
def test_the_real_tools_read_outside_through_these_forms(
    workspace: Path, policy: Policy, command: str
) -> None:
    """The hazards are real: mawk and jq print the outside file the line never names."""
    done = _real(command, workspace)
    assert SECRET in done.stdout, (done.stdout, done.stderr)
    assert policy.decide("run_shell", {"command": command}).verdict == "ask"


def test_the_allowed_awk_forms_read_only_what_the_line_names(
    workspace: Path, policy: Policy
) -> None:
    for command in ALLOWED:
        if command.startswith("awk"):
            done = _real(command, workspace)
            assert done.returncode == 0 and SECRET not in done.stdout, (command, done.stderr)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as connection:
        connection.execute("create table t (x)")
        connection.execute("insert into t values (1)")
    connection.close()
    return path


SQL = [
    ("select 1", False),
    ("select * from t where x = 1", False),
    ("select replace(x, 1, 2) from t", False),
    ("pragma table_info(t)", False),
    ("pragma user_version", False),
    ("pragma integrity_check", False),
    ("with r as (select x from t) select * from r", False),
    ("select 'insert; drop', \"x\" from t -- delete", False),
    ("explain select * from t", False),
    ("insert into t values (2)", True),
    ("replace into t values (3)", True),
    ("update t set x = 5", True),
    ("delete from t", True),
    ("with d as (select 1) delete from t", True),
    ("create table u (y)", True),
    ("create index i on t (x)", True),
    ("drop table t", True),
    ("alter table t add column y", True),
    ("pragma user_version = 7", True),
    ("PRAGMA main.application_id = 9", True),
    ("analyze", True),
]


@pytest.mark.parametrize(("sql", "changes"), SQL)
def test_sql_counts_as_a_write_exactly_when_the_real_sqlite3_changes_the_file(
    database: Path, sql: str, changes: bool
) -> None:
    before = database.read_bytes()
    done = subprocess.run(
        ["sqlite3", str(database), sql], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert (database.read_bytes() != before) == changes, sql
    assert command_form("sqlite3", [str(database), sql]).writes == (
        [str(database)] if changes else []
    )


def _help_commands() -> list[str]:
    listing = subprocess.run(
        ["sqlite3", ":memory:", ".help"], capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"^\.(\w+)", listing, flags=re.MULTILINE)


def test_every_dot_command_safe_mode_refuses_is_a_hazard(tmp_path: Path) -> None:
    """sqlite3's own `-safe` refuses dot-commands that reach the system: each is a hazard
    here too, and the ones that pass here print only (no file appears when they run)."""
    commands = _help_commands()
    assert len(commands) > 40
    refused = 0
    written = []
    for name in commands:
        form = command_form("sqlite3", [":memory:", f".{name}"])
        folder = tmp_path / name
        folder.mkdir()
        done = subprocess.run(
            ["sqlite3", "-safe", ":memory:", f".{name}"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=30,
        )
        if "safe mode" in done.stderr:
            refused += 1
            assert form.hazards, name
        if list(folder.iterdir()):
            written.append(name)
            assert form.hazards, name
    assert refused > 10
    assert written == ["testcase"]  # what `-safe` lets write


def test_every_shell_function_safe_mode_refuses_is_a_hazard() -> None:
    """The functions and tables the sqlite3 shell adds to SQLite's own: those `-safe`
    refuses, and `fsdir` (which it lets list any folder), are hazards here."""

    def names(kind: str, command: list[str]) -> set[str]:
        query = f"select name from pragma_{kind}_list"
        if command:
            out = subprocess.run(
                [*command, query], capture_output=True, text=True, check=True
            ).stdout
            return set(out.split())
        with sqlite3.connect(":memory:") as connection:
            found = {row[0] for row in connection.execute(query)}
        connection.close()
        return found

    shell = ["sqlite3", ":memory:"]
    added = (names("function", shell) - names("function", [])) | (
        names("module", shell) - names("module", [])
    )
    assert {"readfile", "writefile", "fsdir"} <= added
    for name in sorted(added):
        probe = f"select {name}()"
        done = subprocess.run(
            ["sqlite3", "-safe", ":memory:", probe], capture_output=True, text=True, timeout=30
        )
        if "safe mode" in done.stderr or name == "fsdir":
            assert command_form("sqlite3", [":memory:", probe]).hazards, name


def test_the_tools_these_tests_run_are_installed() -> None:
    for tool in ("awk", "mawk", "jq", "sqlite3", "less", "vim", "script"):
        assert shutil.which(tool), tool  # mk/policy.mk installs them


def test_quoting_is_seen_as_the_shell_sees_it(workspace: Path, policy: Policy) -> None:
    """A dot-command split over quotes is still one argument starting with `.`."""
    for command in ("sqlite3 app.db '.'shell' id'", 'sqlite3 app.db ".s""h id"'):
        assert policy.decide("run_shell", {"command": command}).verdict == "ask", command
        words = shlex.split(command)
        assert command_form(words[0], words[1:]).hazards, command


def test_an_editor_really_runs_a_shell_command_from_its_arguments(
    tmp_path: Path, policy: Policy
) -> None:
    command = "vim -es -u NONE -i NONE -c '!touch pwned' -c 'qa!'"
    done = _real(command, tmp_path)
    assert (tmp_path / "pwned").exists(), done.stderr
    assert policy.decide("run_shell", {"command": command}).verdict == "ask"


FUZZ_PIECES = [
    "-", "--", "-o", "-O", "-c", "-v", "-f", "-e", "--output", "--output=", "=", "+", "++",
    "+!", "'", '"', "\\", "$$", "\n", ".", ".sh", ".shell", "ARGV", "ARGC", "[", "]", "(",
    ")", "load(", '"x"', "import", "copy", "to", "program", ";", "-A", "-cmd", "-init",
    "x=1", "of=", "if=", "-i", "-p", "-k", "--log-f", "-L", "|", "SYMTAB", "getline",
    "split", "for", "in", "do", "conflict", "E'", "-x", "-n", "9", "--exec", "pragma",
    "replace", "insert", "system", "\\!", "--tee",
]  # fmt: skip
FUZZ_TOOLS = [
    "awk", "yq", "jq", "less", "split", "csplit", "sqlite3", "psql", "mysql", "shuf", "iconv",
    "sdiff", "dd", "patch", "perl", "ssh", "scp", "bat", "openssl", "xmllint", "diff3",
    "zip", "rsync", "vim", "watch", "flock", "script", "time", "chrt", "taskset",
]  # fmt: skip


def test_no_argument_list_makes_the_analysis_raise(workspace: Path) -> None:
    """Random words for every tool read here: a verdict every time, never a traceback."""
    generator = random.Random(11)
    policy = Policy.from_strings(allow=["run_shell"], workspace=str(workspace))
    for _ in range(3000):
        words = [
            "".join(generator.choice(FUZZ_PIECES) for _ in range(generator.randint(0, 3)))
            for _ in range(generator.randint(0, 6))
        ]
        tool = generator.choice(FUZZ_TOOLS)
        command_form(tool, words)
        line = " ".join([tool, *(shlex.quote(word) for word in words)])
        assert policy.decide("run_shell", {"command": line}).verdict in ("allow", "ask"), line


def _in_a_terminal(command: str, cwd: Path, screen: Path, done: Callable[[], bool]) -> None:
    """Run `command` with a terminal (util-linux `script` gives it one, as a person's
    shell would; what it shows goes to `screen`), wait until `done()` holds, then quit
    less with `q`."""
    with screen.open("wb") as shown:
        process = subprocess.Popen(
            ["script", "-qec", command, "/dev/null"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=shown,
            stderr=subprocess.STDOUT,
        )
    assert process.stdin is not None
    try:
        deadline = time.monotonic() + 60
        while not done() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        for _ in range(3):  # `!cmd` waits for RETURN before less takes `q`
            if process.poll() is None:
                process.stdin.write(b"\nq")
                process.stdin.flush()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_less_in_a_terminal_really_runs_its_start_up_command_and_writes_its_log(
    tmp_path: Path, policy: Policy
) -> None:
    """What less does when it has a terminal: `+!cmd⏎` runs the command, `-o` writes the
    log of a piped input. A line cannot tell whether it will have one (`> /dev/tty`),
    so both are asked about; `+G` (to the end) writes and runs nothing."""
    folder, screen = tmp_path / "ws", tmp_path / "screen.txt"
    folder.mkdir()
    (folder / "f.txt").write_text("hello-from-the-file\n")
    ran = "less '+!touch pwned\n' f.txt"  # the newline ends the command: no key needed
    _in_a_terminal(ran, folder, screen, (folder / "pwned").exists)
    assert (folder / "pwned").exists()
    logged = "cat f.txt | less -o log.txt"
    log = folder / "log.txt"
    _in_a_terminal(logged, folder, screen, lambda: log.exists() and "hello" in log.read_text())
    assert log.read_text() == "hello-from-the-file\n"
    for command in (ran, logged):
        assert policy.decide("run_shell", {"command": command}).verdict == "ask", command
    before = sorted(folder.iterdir())
    _in_a_terminal("less +G f.txt", folder, screen, lambda: b"hello-from" in screen.read_bytes())
    assert b"hello-from-the-file" in screen.read_bytes()
    assert sorted(folder.iterdir()) == before
    assert policy.decide("run_shell", {"command": "less +G f.txt"}).verdict == "allow"


RUFF_CASES = [
    ("ruff check --fix a.py", True),
    ("ruff check a.py", False),
    ("ruff check --no-fix a.py", False),
    ("ruff format a.py", True),
    ("ruff format --check a.py", False),
    ("ruff format --diff a.py", False),
]


@pytest.mark.parametrize(("command", "rewrites"), RUFF_CASES)
def test_a_fixing_form_is_asked_exactly_when_the_real_ruff_rewrites_the_file(
    tmp_path: Path, policy: Policy, command: str, rewrites: bool
) -> None:
    source = tmp_path / "a.py"
    source.write_text("import os\nx=1\n")  # an unused import, unformatted
    ruff = str(Path(sys.executable).parent / "ruff")
    done = _real(f"{shlex.quote(ruff)} {command[len('ruff ') :]} --no-cache", tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert (source.read_text() != "import os\nx=1\n") == rewrites, (command, done.stdout)
    verdict = policy.decide("run_shell", {"command": command}).verdict
    assert verdict == ("ask" if rewrites else "allow"), command
