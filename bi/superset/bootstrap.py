"""Prepare Superset for the DTI dashboards, in Superset's own Python (run before the server).

One process, in the app's context: migrate the metadata database and sync roles (once per
Superset version), create or reset the admin login, register the warehouse as the read-only
role dti_bi_reader, import the dashboards (dashboards.py) over whatever is there, then read
each dataset's columns from the warehouse and give them their bilingual labels.

Environment: SUPERSET_CONFIG_PATH (superset_config.py beside this file), DTI_SUPERSET_HOME,
DTI_BI_DATABASE_URI (postgresql+psycopg2://dti_bi_reader:<password>@host:port/db),
DTI_SUPERSET_ADMIN_USER (default admin) and DTI_SUPERSET_ADMIN_PASSWORD.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from importlib.metadata import version
from pathlib import Path

from sqlalchemy.engine.url import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dashboards

log = logging.getLogger("dti.bi")


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"error: {name} is not set (`dti bi` sets it; docker-compose.yml reads it from .env)")
    return value


def _marker(home: Path) -> Path:
    return home / f".initialised-{version('apache-superset')}"


def start_from_template(home: Path) -> None:
    """A new home starts from a copy of a freshly initialised metadata database, when there
    is one (DTI_SUPERSET_TEMPLATE): migrating takes a minute, copying a moment."""
    template = os.environ.get("DTI_SUPERSET_TEMPLATE")
    database = home / "superset.db"
    if template and Path(template).exists() and not database.exists():
        shutil.copyfile(template, database)
        _marker(home).touch()


def migrate(home: Path) -> None:
    """`superset db upgrade` and `superset init`, once per Superset version; then keep a copy
    of the result as the template (DTI_SUPERSET_TEMPLATE) when there is none."""
    import superset
    from flask_migrate import upgrade
    from superset import appbuilder, security_manager

    if _marker(home).exists():
        return
    upgrade(directory=str(Path(superset.__file__).parent / "migrations"))
    appbuilder.add_permissions(update_perms=True)
    security_manager.sync_role_definitions()
    _marker(home).touch()
    template = os.environ.get("DTI_SUPERSET_TEMPLATE")
    database = home / "superset.db"
    if template and database.exists() and not Path(template).exists():
        shutil.copyfile(database, f"{template}.tmp")
        os.replace(f"{template}.tmp", template)


def admin(user: str, password: str) -> None:
    from superset import security_manager
    from superset.extensions import db

    found = security_manager.find_user(username=user)
    if found is None:
        role = security_manager.find_role("Admin")
        security_manager.add_user(user, "DTI", "Admin", f"{user}@dti.local", role, password=password)
    else:
        security_manager.reset_password(found.id, password)
    db.session.commit()


def import_dashboards(uri: str, user: str) -> None:
    """The warehouse first (a dashboard import never overwrites a database), then the rest."""
    from flask import g
    from superset import security_manager
    from superset.commands.dashboard.importers.v1 import ImportDashboardsCommand
    from superset.commands.database.importers.v1 import ImportDatabasesCommand

    g.user = security_manager.find_user(username=user)  # imports are made as the admin
    url = make_url(uri)
    masked = url.set(password="XXXXXXXXXX").render_as_string(hide_password=False)
    contents = dashboards.bundle(masked)
    passwords = {"databases/dti_warehouse.yaml": url.password or ""}
    database = {
        "metadata.yaml": contents["metadata.yaml"].replace("type: Dashboard", "type: Database"),
        "databases/dti_warehouse.yaml": contents["databases/dti_warehouse.yaml"],
    }
    ImportDatabasesCommand(database, passwords=passwords, overwrite=True).run()
    ImportDashboardsCommand(contents, passwords=passwords, overwrite=True).run()


def refresh_datasets() -> None:
    """Columns as the warehouse has them now, with their labels."""
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    for view in dashboards.DATASETS:
        dataset = db.session.query(SqlaTable).filter_by(schema=dashboards.SCHEMA, table_name=view).one()
        try:
            dataset.fetch_metadata()
        except Exception as exc:  # Superset wraps the driver's error in several ways
            sys.exit(
                f"error: cannot read {dashboards.SCHEMA}.{view} as the BI reader ({exc}). The BI views "
                "are defined when a month is published (the refresh DAG, `make demo`): publish first."
            )
        for column in dataset.columns:
            column.verbose_name = dashboards.COLUMN_LABELS.get(column.column_name)
            column.is_dttm = column.column_name == "month" or column.is_dttm
        db.session.commit()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    home = Path(_required("DTI_SUPERSET_HOME"))
    uri = _required("DTI_BI_DATABASE_URI")
    user = os.environ.get("DTI_SUPERSET_ADMIN_USER", "admin")
    password = _required("DTI_SUPERSET_ADMIN_PASSWORD")

    home.mkdir(parents=True, exist_ok=True)
    start_from_template(home)
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        migrate(home)
        admin(user, password)
        import_dashboards(uri, user)
        refresh_datasets()
    log.info("superset: %d dashboards imported", len(dashboards.dashboards()))


if __name__ == "__main__":
    main()
