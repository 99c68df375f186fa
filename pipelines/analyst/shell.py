"""`lakehouse sql` with no query: an interactive shell with readline history.

Statements end with `;` (they may span lines). Dot commands: `.tables [word]`, `.describe
<layer>.<table>`, `.role NAME`, `.engine duckdb|spark`, `.format table|csv|json`, `.help`,
`.quit` (or Ctrl-D). History is kept in `~/.lakehouse_sql_history`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipelines.analyst import access, output, sql
from pipelines.analyst.access import QueryError
from pipelines.analyst.tables import inventory
from pipelines.settings import Settings

HISTORY = Path.home() / ".lakehouse_sql_history"
HELP = __doc__.split("\n\n", 1)[1].strip()


def _tables(role: str, word: str) -> str:
    rows = [
        f"{t.ref:<45} {t.sharing:<12} {t.catalog.description_zh or t.catalog.description}"
        for t in inventory().values()
        if access.may_read(role, t)
        and word.lower() in (t.ref + t.catalog.description + t.catalog.description_zh).lower()
    ]
    return "\n".join(rows) or "(no table)"


class Shell:
    """The interactive loop's state: role, engine and output format."""

    def __init__(self, settings: Settings, role: str, engine: str) -> None:
        self.settings, self.role, self.engine, self.fmt = settings, role, engine, "table"

    def command(self, line: str) -> bool:
        """Run a dot command; False to leave the shell."""
        name, _, arg = line[1:].strip().partition(" ")
        arg = arg.strip()
        if name in ("quit", "exit", "q"):
            return False
        if name == "tables":
            print(_tables(self.role, arg))
        elif name == "describe" and arg:
            self.statement(f"DESCRIBE {arg}")
        elif name == "role" and arg in access.ROLES:
            self.role = arg
        elif name == "engine" and arg in sql.ENGINES:
            self.engine = arg
        elif name == "format" and arg in ("table", "csv", "json"):
            self.fmt = arg
        else:
            print(HELP)
        return True

    def statement(self, text: str) -> None:
        """Run one statement and print its result or its error."""
        try:
            answer = sql.query(self.settings, text, self.role, self.engine)
        except QueryError as err:
            print(err, file=sys.stderr)
            return
        output.write(answer.table, self.fmt, None)
        print(f"-- {answer.seconds:.2f} s on {answer.engine}", file=sys.stderr)

    def loop(self) -> int:
        """Read statements until `.quit` or end of input."""
        try:
            import readline

            HISTORY.touch(exist_ok=True)
            readline.read_history_file(HISTORY)
            readline.set_history_length(2000)
        except (ImportError, OSError):
            readline = None  # type: ignore[assignment]
        interactive = sys.stdin.isatty()  # piped statements get no banner and no prompts (as psql, sqlite3)
        if interactive:
            print(f"lakehouse sql — role {self.role}, engine {self.engine}; .help for commands, .quit to leave")
        buffer: list[str] = []
        try:
            while True:
                try:
                    prompt = ("   ...> " if buffer else f"{self.role}@{self.engine}> ") if interactive else ""
                    line = input(prompt)
                except EOFError:
                    print()
                    break
                if not buffer and line.strip().startswith("."):
                    if not self.command(line.strip()):
                        break
                    continue
                buffer.append(line)
                if line.rstrip().endswith(";"):
                    self.statement("\n".join(buffer).rstrip().rstrip(";"))
                    buffer = []
        except KeyboardInterrupt:
            print()
        finally:
            if readline is not None:
                readline.write_history_file(HISTORY)
        return 0
