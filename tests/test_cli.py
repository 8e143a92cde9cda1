"""The command line: help on every subcommand, one-line errors for bad config keys."""

import subprocess
import sys

import pytest

from geogen.cli.main import SUBCOMMANDS, main


def test_top_level_help_exits_zero(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_subcommand_help_exits_zero(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    assert "usage: geogen" in capsys.readouterr().out


def test_console_script_help():
    result = subprocess.run([sys.executable, "-m", "geogen.cli.main", "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert "train" in result.stdout


def test_unknown_config_key_is_one_line(capsys):
    code = main(["train", "no_such_key=3"])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert len(err.splitlines()) == 1
    assert "no_such_key" in err


def test_train_without_experiment_names_the_choice(capsys):
    code = main(["train"])
    err = capsys.readouterr().err
    assert code == 2 and "experiment=" in err
