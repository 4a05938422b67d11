from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from ..forms import WriteForm


class ImportForm(WriteForm):
    file = FileField(_l("Registry file (XLSX or CSV)"), validators=[FileRequired(_l("Choose the file to import."))])


class ConfirmImportForm(WriteForm):
    pass
