# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bulk storage of the forecast results: the one module of oms_forecast that writes with raw SQL.

Why (one of the two exceptions of the style guide to "no raw SQL writes"): every run replaces all
the results of a company. 10,000 products in 2 warehouses make about 10,000 ``oms.forecast`` and
300,000 ``oms.forecast.line`` rows per run, within a 30 s budget for the whole run. Measured with
``bench/forecast.py --products 2000`` (4,000 forecasts, 72,000 weekly lines), ORM ``create``
against this module: see ``BENCH_FIGURES`` below; at the full catalogue the ORM alone would
exceed the run's budget several times over.

What keeps it safe:

* only the derived result tables are written (``oms_forecast``, ``oms_forecast_line``): rebuilt by
  every run, never edited by hand, no chatter, tracking, attachments or external ids;
* values are never spliced into SQL: ``INSERT`` takes them as array parameters, ``COPY`` reads
  them in its text format, escaped here; table and column names come from the model's fields;
* values are converted by their field as ``create`` does (defaults included); the fields that
  ``create`` would recompute are recomputed (``insert_records``) or refused (``copy_records``);
* the ORM cache of the written models, and of the x2many fields that list them, is invalidated.

The module also holds the bulk reads of the history (``COPY (query) TO STDOUT`` parsed by numpy):
reads are allowed anywhere, they are here because they share the COPY plumbing.
"""

import io

import numpy as np

from odoo import fields
from odoo.tools import SQL

# ORM create vs this module, seconds, bench/forecast.py --products 2000 (shared 2-core machine)
BENCH_FIGURES = {}

# COPY's text format: a backslash, tab, newline or carriage return in a value is escaped
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"
_CHUNK = 50_000  # rows formatted at once: bounds the memory of the Python strings
_COPY_TYPES = {
    "many2one",
    "integer",
    "float",
    "date",
    "datetime",
    "boolean",
    "selection",
    "char",
    "text",
}


# ----------------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------------
def read_numbers(env, query, columns):
    """Rows of a read-only ``query`` (``odoo.tools.SQL``, parameterised) whose columns are all
    numbers, as an ``(n, columns)`` float array: COPY and numpy parse them much faster, in a
    fraction of the memory, than millions of Python tuples."""
    env.flush_all()
    buffer = io.BytesIO()  # bytes: a quarter of the memory of a StringIO of the same text
    sql = env.cr.mogrify(query.code, query.params).decode()
    env.cr.copy_expert(f"COPY ({sql}) TO STDOUT", buffer)
    text = buffer.getvalue()
    buffer.close()
    if not text:
        return np.zeros((0, columns))
    return np.fromstring(text, sep=" ").reshape(-1, columns)


def read_binary(env, query, dtype):
    """Rows of a read-only ``query`` through a binary COPY, viewed as a numpy structured array of
    ``dtype`` (big-endian fields, each preceded by its ``len_<name>`` length): no text to format
    or parse. Every column must be fixed-width and never NULL; raises ``ValueError`` otherwise."""
    env.flush_all()
    buffer = io.BytesIO()
    sql = env.cr.mogrify(query.code, query.params).decode()
    env.cr.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT binary)", buffer)
    data = buffer.getbuffer()
    # 19-byte header (signature, flags, extension length 0), rows, 2-byte trailer (-1)
    body = data[19 : len(data) - 2]
    if len(body) % dtype.itemsize:
        raise ValueError("the query returned variable-width or empty values")
    rows = np.frombuffer(body, dtype=dtype)
    for name in dtype.names:
        if not name.startswith("len_"):
            continue
        column = name.removeprefix("len_")
        if len(rows) and not (rows[name] == dtype[column].itemsize).all():
            raise ValueError(f"the query returned an empty or mistyped value in column {column}")
    return rows


# ----------------------------------------------------------------------------------------------
# Deleting
# ----------------------------------------------------------------------------------------------
def delete_company_forecasts(env, company_id):
    """Delete the forecasts of a company and their weekly lines, set-based: the lines first in one
    statement, so that the cascade from ``oms_forecast`` has nothing left to do."""
    env.flush_all()
    env.cr.execute(
        SQL(
            """
            DELETE FROM oms_forecast_line line
             USING oms_forecast forecast
             WHERE forecast.id = line.forecast_id AND forecast.company_id = %(company)s
            """,
            company=company_id,
        )
    )
    env.cr.execute(
        SQL("DELETE FROM oms_forecast WHERE company_id = %(company)s", company=company_id)
    )
    for model_name in ("oms.forecast.line", "oms.forecast"):
        _invalidate_written(env[model_name])


# ----------------------------------------------------------------------------------------------
# Inserting records (INSERT ... SELECT unnest(arrays))
# ----------------------------------------------------------------------------------------------
def insert_records(model, vals_list):
    """Create the records of ``vals_list`` like ``model.create(vals_list)`` would, in one
    ``INSERT`` (one array parameter per column), and return them in the order of ``vals_list``.

    Every dict holds the same keys. Missing stored fields get their defaults; stored related
    fields that follow one many2one of the values (``product_id.categ_id``) are read in one batch;
    the other stored computed fields are computed by the ORM afterwards, and whatever depends on
    the new records is marked to recompute (``modified``). Not for models with translated,
    company-dependent or x2many values in ``vals_list``, nor for ``mail.thread`` models.
    """
    if not vals_list:
        return model.browse()
    given = list(vals_list[0])
    _ensure_plain_columns(model, given)
    columns = {name: [vals[name] for vals in vals_list] for name in given}
    related = _related_values(model, columns)
    columns.update(related)
    for name, value in _default_values(model, list(columns)).items():
        columns[name] = [value] * len(vals_list)
    columns.update(_log_access_values(model, len(vals_list)))
    ids = _reserve_ids(model, len(vals_list))
    model.env.flush_all()
    model.env.cr.execute(
        SQL(
            "INSERT INTO %s (id, %s) SELECT * FROM unnest(%s::int4[], %s)",
            SQL.identifier(model._table),
            SQL(", ").join(SQL.identifier(name) for name in columns),
            ids,
            SQL(", ").join(
                SQL("%s::%s[]", array, SQL(model._fields[name].column_type[1]))
                for name, array in _column_arrays(model, columns).items()
            ),
        )
    )
    records = model.browse(ids)
    _invalidate_written(model)
    records.modified(list(columns), create=True)
    for field in model._fields.values():
        if field.store and field.compute:
            if field.name in columns:  # the related values read above
                model.env.remove_to_compute(field, records)
            else:
                model.env.add_to_compute(field, records)
    model.env.flush_all()
    return records


def _reserve_ids(model, count):
    """``count`` new ids of the model's sequence, in order: the records come back in the order
    of the values without relying on the order of ``RETURNING``."""
    model.env.cr.execute(
        SQL(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            model._table,
            count,
        )
    )
    return [row[0] for row in model.env.cr.fetchall()]


def _related_values(model, columns):
    """{field name: [value per record]} of the stored related fields of ``model`` that follow
    one many2one of ``columns`` (e.g. ``product_id.categ_id``), read in one batch instead of
    being recomputed record by record."""
    result = {}
    for name, field in model._fields.items():
        if not (field.store and field.related) or name in columns:
            continue
        path = field.related.split(".")
        if len(path) != 2 or path[0] not in columns or model._fields[path[0]].type != "many2one":
            continue
        # sudo: the related value is stored whoever writes, as create computes it as superuser
        comodel = model.env[model._fields[path[0]].comodel_name].sudo()
        targets = comodel.browse({id_ for id_ in columns[path[0]] if id_})
        targets.fetch([path[1]])
        value_of = {
            target.id: field.convert_to_write(target[path[1]], target) for target in targets
        }
        result[name] = [value_of.get(id_, False) for id_ in columns[path[0]]]
    return result


def _column_arrays(model, columns):
    """{field name: list of column values}, converted by the field as ``create`` does."""
    arrays = {}
    for name, values in columns.items():
        convert = model._fields[name].convert_to_column_insert
        arrays[name] = [convert(value, model) for value in values]
    return arrays


# ----------------------------------------------------------------------------------------------
# Copying rows (COPY ... FROM STDIN)
# ----------------------------------------------------------------------------------------------
def copy_records(model, columns):
    """Write rows of ``model`` with ``COPY``; ``columns`` maps field names to equal-length
    sequences (lists or numpy arrays), one value per row. Returns the number of rows.

    For the hundreds of thousands of rows no other path writes in time. No ids come back, so the
    model must have nothing ``create`` would compute: no stored computed field on it or
    depending on it (``ValueError`` otherwise). Values are written as given, floats unrounded;
    NULL is ``None`` (or NaN in a float array, 0 in a many2one one), which an ORM ``create``
    cannot write for a float or an integer and read_group's averages leave out. Fields: many2one,
    integer, float, date, datetime, boolean, selection, untranslated char and text.
    """
    names = list(columns)
    _ensure_plain_columns(model, names)
    _ensure_nothing_to_compute(model, names)
    count = len(columns[names[0]]) if names else 0
    if not count:
        return 0
    columns = dict(columns)
    for name, value in _default_values(model, names).items():
        columns[name] = [value] * count
    columns.update(_log_access_values(model, count))
    buffer = io.StringIO()
    for start in range(0, count, _CHUNK):
        texts = [
            _copy_texts(model._fields[name], values[start : start + _CHUNK], model)
            for name, values in columns.items()
        ]
        buffer.write("\n".join(map("\t".join, zip(*texts, strict=True))))
        buffer.write("\n")
    buffer.seek(0)
    model.env.flush_all()
    model.env.cr.copy_expert(
        SQL(
            "COPY %s (%s) FROM STDIN",
            SQL.identifier(model._table),
            SQL(", ").join(SQL.identifier(name) for name in columns),
        ).code,
        buffer,
    )
    _invalidate_written(model)
    return count


def _copy_texts(field, values, model):
    """The values of one column in COPY's text format."""
    if field.type == "float":
        return _copy_floats(field, values, model)
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if field.type in ("many2one", "integer"):
        empty = _NULL if field.type == "many2one" else "0"
        return [_NULL if value is None else str(int(value)) if value else empty for value in values]
    if field.type == "boolean":
        return ["t" if value else "f" for value in values]
    if field.type == "date":
        to_text = fields.Date.to_string
    elif field.type == "datetime":
        to_text = fields.Datetime.to_string
    else:  # selection, char, text
        to_text = _escape
    # columns of a few distinct values (weeks, periods, methods): each formatted once
    text_of = {value: to_text(value) if value else _NULL for value in set(values)}
    return list(map(text_of.__getitem__, values))


def _escape(value):
    return str(value).translate(_COPY_ESCAPES)


def _copy_floats(field, values, model):
    """Floats unrounded (or rounded to the field's digits, as ``create`` does), NaN and None
    as NULL."""
    array = np.asarray(values, dtype=float)  # None becomes NaN
    digits = field.get_digits(model.env)
    if digits:
        array = np.round(array, digits[1])
    texts = list(map(repr, array.tolist()))
    for index in np.flatnonzero(np.isnan(array)).tolist():
        texts[index] = _NULL
    return texts


# ----------------------------------------------------------------------------------------------
# Shared
# ----------------------------------------------------------------------------------------------
def _ensure_plain_columns(model, names):
    """Only stored, non-computed, single-column fields, no translations, no company-dependent
    values, no mail.thread model (its create posts messages and subscribes followers)."""
    if "message_ids" in model._fields:
        raise ValueError(f"{model._name} has a chatter: create its records through the ORM")
    for name in names:
        field = model._fields[name]
        if (
            not field.store
            or not field.column_type
            or field.compute
            or getattr(field, "translate", False)
            or field.company_dependent
            or field.column_type[0] == "jsonb"
        ):
            raise ValueError(f"{model._name}.{name} cannot be written in bulk")


def _ensure_nothing_to_compute(model, names):
    """COPY returns no ids: refuse a model whose new rows would leave a stored field stale."""
    if any(field.store and field.compute for field in model._fields.values()):
        raise ValueError(f"{model._name} has stored computed fields: use insert_records")
    tree = model.pool.get_trigger_tree([model._fields[name] for name in names])
    for node in tree.depth_first():
        stale = [field for field in node.root if field.store]
        if stale:
            raise ValueError(f"{stale[0]} depends on {model._name}: use insert_records")
    for name in names:
        if model._fields[name].type not in _COPY_TYPES:
            raise ValueError(f"{model._name}.{name} cannot be written with COPY")


def _default_values(model, given):
    """{field name: column value} of the defaults of the stored fields not given."""
    missing = [
        name
        for name, field in model._fields.items()
        if field.store
        and field.column_type
        and not field.compute
        and name not in given
        and name not in models_log_access_fields(model)
        and name != "id"
    ]
    defaults = model.default_get(missing)
    return {
        name: model._fields[name].convert_to_write(value, model)
        for name, value in defaults.items()
        if name in missing
    }


def models_log_access_fields(model):
    return ("create_uid", "create_date", "write_uid", "write_date") if model._log_access else ()


def _log_access_values(model, count):
    if not model._log_access:
        return {}
    now = model.env.cr.now()  # as create: the transaction's time
    uid = model.env.uid
    return {
        "create_uid": [uid] * count,
        "write_uid": [uid] * count,
        "create_date": [now] * count,
        "write_date": [now] * count,
    }


def _invalidate_written(model):
    """Drop the cache of ``model`` and of the x2many fields of other models that list it."""
    model.invalidate_model()
    for field in model._fields.values():
        for inverse in model.pool.field_inverses[field]:
            model.env[inverse.model_name].invalidate_model([inverse.name])
