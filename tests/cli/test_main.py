"""The command line as a whole: --version, defaults in every --help, the entry points."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from honeyhive_async import __version__
from honeyhive_async.cli import build_parser, main


def parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """*parser* and every subparser under it."""
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += parsers(sub)
    return found


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the package version and exits 0."""
    with pytest.raises(SystemExit) as exc_info:
        main(["--version"])

    assert (0, f"honeyhive-async {__version__}\n") == (exc_info.value.code, capsys.readouterr().out)


@pytest.mark.parametrize("parser", parsers(build_parser()), ids=lambda p: p.prog)
def test_every_option_shows_its_default(parser: argparse.ArgumentParser) -> None:
    """Each option's help says its default, unless it is required or a flag."""
    text = parser.format_help()
    missing = [
        action.option_strings[0]
        for action in parser._actions
        if action.option_strings
        and not action.required
        and action.nargs != 0
        and "default" not in parser._get_formatter()._expand_help(action)
    ]

    assert ([], False) == (missing, "(default: None)" in text)


def test_faults_help_describes_the_spec_without_a_file() -> None:
    """serve --help explains the fault spec itself; no pointer to docs the wheel lacks."""
    (serve,) = [p for p in parsers(build_parser()) if p.prog.endswith(" serve")]
    text = serve.format_help()

    expected = (True, True, False)
    actual = ("retry_after=N" in text, "rate=F" in text, "docs/" in text)
    assert expected == actual


def test_python_m_and_help_work() -> None:
    """`python -m honeyhive_async events import --help` runs and shows defaults."""
    done = subprocess.run(
        [sys.executable, "-m", "honeyhive_async", "events", "import", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert ("--skip N" in done.stdout, "(default: 100)" in done.stdout) == (True, True)
