"""`sfsync ui`: bound to localhost, never without a password, no tracebacks in the browser."""

from __future__ import annotations

from pathlib import Path

from pipelines.cli import build_parser
from pipelines.wizard.launch import APP, streamlit_command, ui_environment


def test_the_cli_starts_the_app_on_localhost_by_default() -> None:
    args = build_parser().parse_args(["ui"])
    assert (args.host, args.port) == ("127.0.0.1", 8501)
    command = streamlit_command(args.host, args.port)
    assert command[1:5] == ["-m", "streamlit", "run", str(APP)]
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--client.showErrorDetails") + 1] == "none"
    assert APP.is_file()


def test_a_password_is_generated_when_none_is_configured(tmp_path: Path) -> None:
    env, generated = ui_environment({}, tmp_path, "127.0.0.1", 8501)
    assert generated is not None and env["SFSYNC_ADMIN_PASSWORD"] == generated
    assert env["DLT_PROJECT_DIR"] == str(tmp_path)
    assert env["SFSYNC_UI_URL"] == "http://localhost:8501"


def test_a_configured_password_or_oidc_is_kept(tmp_path: Path) -> None:
    env, generated = ui_environment({"SFSYNC_ADMIN_PASSWORD": "mine"}, tmp_path, "127.0.0.1", 9000)
    assert generated is None and env["SFSYNC_ADMIN_PASSWORD"] == "mine"
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text('[auth]\nclient_id = "x"\n')
    env, generated = ui_environment({}, tmp_path, "127.0.0.1", 9000)
    assert generated is None and "SFSYNC_ADMIN_PASSWORD" not in env


def test_an_existing_dlt_project_dir_is_respected(tmp_path: Path) -> None:
    env, _ = ui_environment(
        {"DLT_PROJECT_DIR": "/elsewhere", "SFSYNC_ADMIN_PASSWORD": "x"}, tmp_path, "127.0.0.1", 1
    )
    assert env["DLT_PROJECT_DIR"] == "/elsewhere"
