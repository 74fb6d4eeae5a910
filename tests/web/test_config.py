"""Config layering: defaults -> instance/config.py -> CLINIC_* environment -> test mapping."""

from __future__ import annotations

import subprocess
import sys

from clinic.config import DEFAULTS, env_config


def test_env_values_are_converted_to_the_type_of_the_default():
    env = {"CLINIC_SESSION_IDLE_MINUTES": "15", "CLINIC_SESSION_COOKIE_SECURE": "false",
           "CLINIC_PROTOCOL_DIRS": "/a:/b", "CLINIC_PAPER_SIZE": "Letter", "OTHER": "x"}
    assert env_config(env, DEFAULTS) == {
        "SESSION_IDLE_MINUTES": 15, "SESSION_COOKIE_SECURE": False, "PROTOCOL_DIRS": ["/a", "/b"],
        "PAPER_SIZE": "Letter",
    }


def test_layers_apply_in_order_instance_then_environment_then_test_mapping(tmp_path):
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'i' * 40\nSESSION_IDLE_MINUTES = 11\nSCREENING_VALID_DAYS = 20\nPAPER_SIZE = 'Letter'\n")
    script = (
        "from clinic.app import create_app\n"
        "app = create_app({'SCREENING_VALID_DAYS': 7})\n"
        "c = app.config\n"
        "print(c['SESSION_IDLE_MINUTES'], c['SCREENING_VALID_DAYS'], c['PAPER_SIZE'], c['SESSION_LIFETIME_HOURS'],"
        " c['SECRET_KEY'] == 'i' * 40, c['DATABASE_URL'].endswith('clinic.sqlite3'))\n"
    )
    env = {"CLINIC_INSTANCE_PATH": str(tmp_path), "CLINIC_SESSION_IDLE_MINUTES": "9", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    # idle: env (9) beats instance (11); validity: test mapping (7) beats instance (20);
    # paper: instance beats default; lifetime: the default.
    assert out.stdout.split() == ["9", "7", "Letter", "12", "True", "True"]


def test_clinic_help_and_app_start_do_not_import_weasyprint(tmp_path):
    (tmp_path / "config.py").write_text("SECRET_KEY = 'i' * 40\n")
    script = (
        "import sys\nfrom clinic.app import create_app\ncreate_app()\n"
        "from clinic import cli\nprint('weasyprint' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], env={"CLINIC_INSTANCE_PATH": str(tmp_path)},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
