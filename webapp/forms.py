"""The base of every form: CSRF from Flask-WTF, WTForms' own messages in the user's language.

Flask-WTF reloads WTForms' catalogue from disk on every request (about a millisecond);
here each language's catalogue is loaded once per process.
"""
from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@lru_cache(maxsize=8)
def _wtforms_translations(locale: str):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class BaseForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale()))
