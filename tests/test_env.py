"""bdl_helpers._env: TensorFlow's set-up before it loads (log level, XLA cache)."""

from __future__ import annotations

import os
import subprocess
import sys

from bdl_helpers import _env


def test_xla_cache_folder_is_per_tensorflow_version_and_writable(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = _env._xla_cache_dir()
    assert folder is not None and folder.startswith(str(tmp_path / "bdl_helpers"))
    assert os.path.basename(folder).startswith("xla-tf")
    assert os.path.isdir(folder)


def test_xla_cache_can_be_switched_off_and_needs_a_writable_folder(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("BDL_XLA_CACHE", "0")
    assert _env._xla_cache_dir() is None
    monkeypatch.delenv("BDL_XLA_CACHE")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert _env._xla_cache_dir() is None


def _flags_after_import(env: dict[str, str]) -> str:
    # The module alone (stdlib only), without the package and TensorFlow.
    code = (
        f"import os, runpy; runpy.run_path({_env.__file__!r}); "
        "print(os.environ.get('TF_XLA_FLAGS', ''))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_sets_the_cache_and_keeps_the_users_flags(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("BDL_XLA_CACHE", None)
    env["TF_XLA_FLAGS"] = "--tf_xla_max_cluster_size=7"
    flags = _flags_after_import(env)
    assert flags.startswith("--tf_xla_max_cluster_size=7 --tf_xla_persistent")
    assert f"--tf_xla_persistent_cache_directory={tmp_path}" in flags
    env["TF_XLA_FLAGS"] = "--tf_xla_persistent_cache_directory=/elsewhere"
    assert _flags_after_import(env) == "--tf_xla_persistent_cache_directory=/elsewhere"
