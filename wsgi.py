"""WSGI entry point of a checkout: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``.

An installed wheel has no wsgi.py: there it is ``gunicorn 'mla:create_app()'`` and
``flask --app mla ...`` (README, "Production").
"""

from mla import create_app

app = create_app()
