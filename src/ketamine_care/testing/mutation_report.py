"""Kill rates per module after `mutmut run` (`make mutation`; docs/TESTING.md).

Run from the repository root, where mutmut left `mutants/`:

    python -m ketamine_care.testing.mutation_report [--survivors] [MODULE_PREFIX ...]

A *text* mutant changes only the wording of a message: the contents of a string literal that
holds prose (it contains a space), or such a literal replaced by None. Every other mutant is a
*logic* mutant; the target is >= 90 % of logic mutants killed per module. A timeout counts as
killed (the mutant made a test hang); "no tests" and "suspicious" count as not killed.

The classification is pure and tested; only `main` needs mutmut, imported when it runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

KILLED = frozenset({"killed", "timeout", "caught by type check", "segfault"})
NOT_RUN = frozenset({"not checked", "skipped", "check was interrupted by user"})
_STRING = re.compile(r"""[rbfuRBFU]{0,2}("([^"\\]|\\.)*"|'([^'\\]|\\.)*')""")
_MODULE = re.compile(r"^(?P<module>[\w.]+?)\.x(?:_|ǁ)")


@dataclass
class ModuleTally:
    module: str
    total: int = 0
    killed: int = 0
    text: int = 0
    text_killed: int = 0
    not_run: int = 0
    logic_survivors: list[str] = field(default_factory=list)

    @property
    def logic(self) -> int:
        return self.total - self.text - self.not_run

    @property
    def logic_killed(self) -> int:
        return self.killed - self.text_killed

    @property
    def logic_rate(self) -> float:
        return self.logic_killed / self.logic if self.logic else 1.0

    @property
    def rate(self) -> float:
        run = self.total - self.not_run
        return self.killed / run if run else 1.0


def module_of(mutant_name: str) -> str:
    """The dotted module of a mutant: `ketamine_care.inventory.ledger.x_apply_delta__mutmut_5`
    -> `ketamine_care.inventory.ledger`."""
    match = _MODULE.match(mutant_name)
    if match is None:
        raise ValueError(f"not a mutmut mutant name: {mutant_name!r}")
    return match["module"]


def _changed_lines(diff: str) -> tuple[list[str], list[str]]:
    lines = diff.splitlines()
    removed = [ln[1:] for ln in lines if ln.startswith("-") and not ln.startswith("---")]
    added = [ln[1:] for ln in lines if ln.startswith("+") and not ln.startswith("+++")]
    return removed, added


def _without_prose(line: str) -> str:
    def blank(match: re.Match[str]) -> str:
        body = match.group(1)[1:-1]
        return "«text»" if re.search(r"\s", body) else match.group(0)

    return _STRING.sub(blank, line)


def _none_for_prose(line: str) -> list[str]:
    """`line` with one `None` at a time read as a prose literal (a message replaced by None)."""
    return [line[: m.start()] + "«text»" + line[m.end() :] for m in re.finditer(r"\bNone\b", line)]


def is_text_only(diff: str) -> bool:
    """True when the mutant changes only the wording of prose string literals (see module doc)."""
    removed, added = _changed_lines(diff)
    if not removed or len(removed) != len(added):
        return False
    before = [_without_prose(line) for line in removed]
    if before == removed:
        return False  # no prose literal on the changed lines
    after = [_without_prose(line) for line in added]
    if before == after:
        return True
    if len(before) != 1:
        return False
    return before[0] in _none_for_prose(after[0])


def tally(results: Iterable[tuple[str, str, str]]) -> dict[str, ModuleTally]:
    """Per-module counts from (mutant name, status, diff) triples."""
    by_module: dict[str, ModuleTally] = {}
    for name, status, diff in results:
        module = module_of(name)
        t = by_module.setdefault(module, ModuleTally(module))
        t.total += 1
        if status in NOT_RUN:
            t.not_run += 1
            continue
        text = is_text_only(diff)
        killed = status in KILLED
        t.text += text
        t.killed += killed
        t.text_killed += text and killed
        if not killed and not text:
            t.logic_survivors.append(name)
    return dict(sorted(by_module.items()))


def markdown(tallies: dict[str, ModuleTally]) -> str:
    rows = [
        "| module | mutants | text-only | logic | logic killed | logic kill rate | all killed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for t in tallies.values():
        rows.append(
            f"| `{t.module.removeprefix('ketamine_care.')}` | {t.total} | {t.text} | {t.logic} "
            f"| {t.logic_killed} | {t.logic_rate:.1%} | {t.rate:.1%} |"
        )
    return "\n".join(rows)


def _mutmut_results(prefixes: list[str]) -> list[tuple[str, str, str]]:
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    results = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for name, exit_code in data.exit_code_by_key.items():
            if prefixes and not any(name.startswith(p) for p in prefixes):
                continue
            # Killed mutants need their diff too, to tell text from logic.
            diff = get_diff_for_mutant(name, path=path)
            results.append((name, status_by_exit_code[exit_code], diff))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="only mutants whose name starts so")
    parser.add_argument("--survivors", action="store_true", help="print each logic survivor")
    parser.add_argument(
        "--fail-under", type=float, default=None, help="exit 1 if a module's logic rate is lower"
    )
    args = parser.parse_args(argv)
    results = _mutmut_results(args.prefixes)
    tallies = tally(results)
    sys.stdout.write(markdown(tallies) + "\n")
    if args.survivors:
        diffs = {name: diff for name, _, diff in results}
        for t in tallies.values():
            for name in t.logic_survivors:
                sys.stdout.write(f"\n# {name}\n{diffs[name]}\n")
    if args.fail_under is not None:
        low = [t.module for t in tallies.values() if t.logic_rate * 100 < args.fail_under]
        if low:
            sys.stdout.write(f"\nbelow {args.fail_under} %: {', '.join(low)}\n")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
