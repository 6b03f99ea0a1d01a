"""Extensions, created unbound and bound to the app in ``create_app``."""

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from mla.core.db import Base
from mla.core.translations import RequestBabel

db = SQLAlchemy(model_class=Base)

# Models derive from `Model`: Flask-SQLAlchemy's db.Model at run time (table names,
# binds, the session), seen by mypy as the typed declarative base it is built from,
# since mypy takes no attribute of an instance as a base class (python/mypy#8603).
if TYPE_CHECKING:
    class Model(Base):
        __abstract__ = True
else:
    Model = db.Model

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = RequestBabel()  # the request's catalogue found once (mla.core.translations)
