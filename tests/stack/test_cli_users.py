"""`shopdb user create`: the runbook's "create admin" step, interactive or not."""

from __future__ import annotations

from sqlalchemy import select

from shopdb_contract.db import Database
from shopdb_core.identity.models import User
from shopdb_core.identity.passwords import verify_password

from .conftest import clean_env, shopdb


def stored_user(var_dir, username: str) -> User | None:
    database = Database(f"sqlite:///{var_dir / 'core.db'}")
    try:
        with database.session() as session:
            return session.scalars(select(User).where(User.usernamekey == username.lower())).first()
    finally:
        database.dispose()


def test_user_create_admin_reads_the_password_from_stdin_and_migrates_core_first(tmp_path):
    env = clean_env(SHOPDB_VAR_DIR=str(tmp_path / "var"))
    done = shopdb("user", "create", "--admin", "--username", "Site.Admin", "--password-stdin",
                  cwd=tmp_path, env=env, input="a-long-admin-password\n")
    assert done.returncode == 0, done.stderr
    assert "a-long-admin-password" not in done.stdout + done.stderr
    user = stored_user(tmp_path / "var", "site.admin")
    assert user.role == "admin" and user.username == "Site.Admin"
    assert verify_password(user.password_hash, "a-long-admin-password")


def test_user_create_takes_the_admin_password_from_the_environment(tmp_path):
    env = clean_env(SHOPDB_VAR_DIR=str(tmp_path / "var"), SHOPDB_ADMIN_PASSWORD="from-the-environment-1")
    done = shopdb("user", "create", "--admin", "--username", "ops", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert verify_password(stored_user(tmp_path / "var", "ops").password_hash, "from-the-environment-1")


def test_user_create_refuses_a_taken_name_a_weak_password_or_no_password(tmp_path):
    env = clean_env(SHOPDB_VAR_DIR=str(tmp_path / "var"))
    args = ("user", "create", "--role", "editor", "--password-stdin")
    assert shopdb(*args, "--username", "anna", cwd=tmp_path, env=env, input="a-long-editor-password\n").returncode == 0
    taken = shopdb(*args, "--username", "ANNA", cwd=tmp_path, env=env, input="a-long-editor-password\n")
    assert taken.returncode == 1 and "already exists" in taken.stderr
    weak = shopdb(*args, "--username", "bert", cwd=tmp_path, env=env, input="short\n")
    assert weak.returncode == 1 and "at least 12 characters" in weak.stderr
    none = shopdb("user", "create", "--username", "carl", cwd=tmp_path, env=env)
    assert none.returncode == 1 and "--password-stdin" in none.stderr
