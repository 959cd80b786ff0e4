#!/usr/bin/env python3
"""Summarizes the test-result files of scripts/test.sh.

Reads every result file in --results-dir (default build/test-results):

  NAME.json  lit's results JSON (``lit --output``: a "tests" list whose
             entries carry a "code"), or a plain count object
             {"passed": n, "failed": n[, "skipped": n]}
  NAME.xml   JUnit XML (pytest --junitxml, gtest --gtest_output=xml)

and prints one line per suite, then as its LAST line exactly

  N passed, N failed            (", N skipped" appended when N > 0)

Failed counts FAIL/XPASS/UNRESOLVED/TIMEOUT (and unknown lit codes), JUnit
failures and errors, an expected suite (--expect) whose result file is
missing or unreadable, and a suite that exited non-zero (--status
SUITE=RC) without reporting any failing test.  Exit status 1 when anything
failed or nothing passed, else 0.  Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

LIT_PASSED = {"PASS", "FLAKYPASS", "XFAIL"}
LIT_SKIPPED = {"UNSUPPORTED", "SKIPPED", "EXCLUDED"}
LIT_FAILED = {"FAIL", "XPASS", "UNRESOLVED", "TIMEOUT"}
MAX_LISTED = 20


@dataclass
class Suite:
    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    def fail(self, what: str) -> None:
        self.failed += 1
        self.failures.append(what)


def _read_lit(suite: Suite, data: dict) -> None:
    tests = data.get("tests")
    if not isinstance(tests, list):
        raise ValueError('no "tests" list')
    for test in tests:
        code = str(test.get("code", "")).upper()
        name = str(test.get("name", "?"))
        if code in LIT_PASSED:
            suite.passed += 1
        elif code in LIT_SKIPPED:
            suite.skipped += 1
        else:  # LIT_FAILED and anything unknown
            suite.fail(f"{code or 'NO CODE'}: {name}")


def _read_counts(suite: Suite, data: dict) -> None:
    suite.passed += int(data.get("passed", 0))
    suite.skipped += int(data.get("skipped", 0))
    failed = int(data.get("failed", 0))
    suite.failed += failed
    for name in data.get("failures", [])[:failed]:
        suite.failures.append(str(name))


def _read_json(suite: Suite, path: Path) -> None:
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if "tests" in data:
        _read_lit(suite, data)
    elif "passed" in data or "failed" in data:
        _read_counts(suite, data)
    else:
        raise ValueError("neither lit results nor pass/fail counts")


def _read_junit(suite: Suite, path: Path) -> None:
    root = ET.parse(path).getroot()
    cases = list(root.iter("testcase"))
    if not cases:
        # Totals from the <testsuite> attributes (a run without cases).
        nodes = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
        for node in nodes:
            total = int(node.get("tests", 0))
            bad = int(node.get("failures", 0)) + int(node.get("errors", 0))
            skip = int(node.get("skipped", 0) or node.get("disabled", 0) or 0)
            suite.passed += max(total - bad - skip, 0)
            suite.skipped += skip
            for _ in range(bad):
                suite.fail(f"{node.get('name', '?')}: failure")
        return
    for case in cases:
        name = case.get("name", "?")
        cls = case.get("classname")
        full = f"{cls}::{name}" if cls else name
        if case.find("failure") is not None or case.find("error") is not None:
            suite.fail(full)
        elif case.find("skipped") is not None or case.get("status") in (
                "notrun", "disabled") or case.get("result") == "skipped":
            suite.skipped += 1
        else:
            suite.passed += 1


def read_suite(name: str, path: Path) -> Suite:
    suite = Suite(name)
    try:
        if path.suffix == ".json":
            _read_json(suite, path)
        else:
            _read_junit(suite, path)
    except (OSError, ValueError, TypeError, ET.ParseError) as err:
        suite.fail(f"unreadable result file {path.name}: {err}")
    return suite


def _parse_status(items: List[str]) -> Dict[str, int]:
    status: Dict[str, int] = {}
    for item in items:
        name, sep, rc = item.partition("=")
        if not sep:
            raise SystemExit(f"--status expects SUITE=RC, got {item!r}")
        try:
            status[name] = int(rc)
        except ValueError:
            raise SystemExit(f"--status expects an integer code, got {item!r}")
    return status


def summarize(results_dir: Path, expect: List[str],
              status: Dict[str, int]) -> List[Suite]:
    files: Dict[str, Path] = {}
    if results_dir.is_dir():
        for path in sorted(results_dir.iterdir()):
            if path.is_file() and path.suffix in (".json", ".xml"):
                files.setdefault(path.stem, path)
    names = list(dict.fromkeys([*expect, *sorted(files), *sorted(status)]))
    suites = []
    for name in names:
        path = files.get(name)
        if path is None:
            suite = Suite(name)
            if name in expect or status.get(name, 0) != 0:
                suite.fail(f"no result file ({name}.json or {name}.xml) "
                           f"in {results_dir}")
        else:
            suite = read_suite(name, path)
        rc = status.get(name)
        if rc is not None and rc != 0 and suite.failed == 0:
            why = "no tests collected" if (name == "pytest" and rc == 5) else \
                "no failing test reported"
            suite.fail(f"suite exited with status {rc} ({why})")
        suites.append(suite)
    return suites


def _counts(passed: int, failed: int, skipped: int) -> str:
    text = f"{passed} passed, {failed} failed"
    if skipped:
        text += f", {skipped} skipped"
    return text


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results-dir", type=Path,
                        default=Path("build/test-results"))
    parser.add_argument("--expect", nargs="*", default=[], metavar="SUITE",
                        help="suites that must have a result file")
    parser.add_argument("--status", action="append", default=[],
                        metavar="SUITE=RC",
                        help="exit status of a suite's command")
    args = parser.parse_args(argv)

    suites = summarize(args.results_dir, args.expect, _parse_status(args.status))
    total_p = total_f = total_s = 0
    for suite in suites:
        print(f"[qsim] {suite.name}: "
              f"{_counts(suite.passed, suite.failed, suite.skipped)}")
        for what in suite.failures[:MAX_LISTED]:
            print(f"[qsim]   FAILED {what}")
        if len(suite.failures) > MAX_LISTED:
            print(f"[qsim]   ... and {len(suite.failures) - MAX_LISTED} more")
        total_p += suite.passed
        total_f += suite.failed
        total_s += suite.skipped
    print(_counts(total_p, total_f, total_s))
    sys.stdout.flush()
    return 1 if (total_f > 0 or total_p == 0) else 0


if __name__ == "__main__":
    sys.exit(main())
