"""Settings: defaults, TOML file, COACH_* env vars, and errors that name the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.errors import ConfigError
from coach.settings import BUILTIN_CORPUS, load_settings


def test_defaults_bind_to_loopback_and_keep_state_under_coach_home(tmp_path: Path) -> None:
    settings = load_settings({"COACH_HOME": str(tmp_path)})
    assert settings.host == "127.0.0.1"
    assert settings.index_dir == tmp_path / "index"
    assert settings.sessions_db.parent == tmp_path
    assert settings.all_corpus_dirs == (BUILTIN_CORPUS,)


def test_env_vars_override_the_toml_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('port = 9000\nembedding_model = "minilm"\n')
    settings = load_settings({"COACH_HOME": str(tmp_path), "COACH_PORT": "9100"})
    assert settings.port == 9100
    assert settings.embedding_model == "minilm"


def test_user_corpus_folders_come_after_the_builtin_cards(tmp_path: Path) -> None:
    settings = load_settings({"COACH_HOME": str(tmp_path), "COACH_CORPUS": "/a:/b"})
    assert settings.all_corpus_dirs == (BUILTIN_CORPUS, Path("/a"), Path("/b"))


def test_an_unknown_key_in_the_config_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown setting `colour`"):
        load_settings({"COACH_HOME": str(tmp_path)})


def test_an_invalid_number_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="COACH_PORT"):
        load_settings({"COACH_HOME": str(tmp_path), "COACH_PORT": "zeventig"})


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings({"COACH_HOME": str(tmp_path)})
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]
    assert settings.with_changes(port=1).port == 1


def test_the_request_cap_must_be_above_the_message_limit(tmp_path: Path) -> None:
    settings = load_settings({"COACH_HOME": str(tmp_path)})
    assert settings.max_request_chars >= 5 * settings.max_message_chars
    with pytest.raises(ConfigError, match="COACH_MAX_REQUEST_CHARS well above it"):
        load_settings({"COACH_HOME": str(tmp_path), "COACH_MAX_REQUEST_CHARS": "1000"})
    raised = load_settings({"COACH_HOME": str(tmp_path), "COACH_MAX_REQUEST_CHARS": "50000"})
    assert raised.max_request_chars == 50000


def test_max_file_size_defaults_to_5_mb_and_reads_the_environment(tmp_path: Path) -> None:
    assert load_settings({"COACH_HOME": str(tmp_path)}).max_file_bytes == 5 * 1024 * 1024
    settings = load_settings({"COACH_HOME": str(tmp_path), "COACH_MAX_FILE_MB": "0.5"})
    assert settings.max_file_mb == 0.5 and settings.max_file_bytes == 512 * 1024
    with pytest.raises(ConfigError, match="COACH_MAX_FILE_MB"):
        load_settings({"COACH_HOME": str(tmp_path), "COACH_MAX_FILE_MB": "-1"})


def test_progress_interval_defaults_to_3_seconds_and_may_be_zero(tmp_path: Path) -> None:
    assert load_settings({"COACH_HOME": str(tmp_path)}).progress_seconds == 3.0
    settings = load_settings({"COACH_HOME": str(tmp_path), "COACH_PROGRESS_SECONDS": "0"})
    assert settings.progress_seconds == 0.0
    with pytest.raises(ConfigError, match="COACH_PROGRESS_SECONDS"):
        load_settings({"COACH_HOME": str(tmp_path), "COACH_PROGRESS_SECONDS": "soms"})
