"""Choosing the job runner: environment, refusals at start, the worker command's requirements."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from core.app import create_app
from core.cli import cli
from core.jobs.inprocess import InProcessScheduler, NoScheduler
from core.jobs.saq_runner import SaqEnqueuer
from core.settings import Settings, settings_from_env


def test_the_environment_chooses_the_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOWNHALL_JOBS", raising=False)
    assert settings_from_env().jobs == "inprocess"
    monkeypatch.setenv("TOWNHALL_JOBS", " SAQ ")
    monkeypatch.setenv("TOWNHALL_JOBS_TICK_SECONDS", "2.5")
    monkeypatch.setenv("TOWNHALL_JOBS_QUEUE", "gent")
    settings = settings_from_env()
    assert (settings.jobs, settings.jobs_tick_seconds, settings.jobs_queue) == ("saq", 2.5, "gent")


@pytest.mark.parametrize(
    ("jobs", "redis", "runtime"),
    [
        ("inprocess", None, InProcessScheduler),
        ("off", None, NoScheduler),
        ("saq", "redis://127.0.0.1:1/0", SaqEnqueuer),
    ],
)
def test_each_mode_gets_its_runtime(townhall_settings: Settings, jobs: str, redis: str | None, runtime: Any) -> None:
    import msgspec

    app = create_app(msgspec.structs.replace(townhall_settings, jobs=jobs, redis_url=redis))
    assert isinstance(app.state.townhall.jobs, runtime)


@pytest.mark.parametrize(("jobs", "message"), [("cron", "must be one of"), ("saq", "needs REDIS_URL")])
def test_the_app_refuses_to_start_with_a_bad_job_setting(townhall_settings: Settings, jobs: str, message: str) -> None:
    import msgspec

    with pytest.raises(ValueError, match=message):
        create_app(msgspec.structs.replace(townhall_settings, jobs=jobs, redis_url=None))


def test_the_worker_needs_redis() -> None:
    result = CliRunner().invoke(cli, ["worker"], env={"REDIS_URL": ""})
    assert result.exit_code == 2 and "needs REDIS_URL" in result.output
