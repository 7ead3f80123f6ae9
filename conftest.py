# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""pytest settings shared by every test folder of the repository.

``--oms-clock=2028-02-29T12:00:00`` runs the session with Python's clock set to that instant and
ticking on from it (``freezegun``, already among Odoo's requirements): ``datetime.now()``,
``date.today()``, ``time.time()`` and Odoo's ``fields.Date.today()`` all read it, in the test
thread and in the HTTP server thread alike. ``make test`` uses it to run the tests tagged
``oms_clock`` again on the calendar's awkward days (see ``scripts/test.sh``).

Only Python's clock moves: PostgreSQL's ``now()`` (``create_date``, ``write_date``) stays the
real one, so a test under a set clock must take its dates from Python, as the code does.
"""

import pytest

CLOCK_TAG = "oms_clock"


def pytest_addoption(parser):
    parser.addoption(
        "--oms-clock",
        default=None,
        help="run with the clock set to this ISO date or datetime (it keeps ticking)",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"{CLOCK_TAG}: the test reads today's date (Odoo tag '{CLOCK_TAG}'); "
        "make test runs it again under fixed dates",
    )
    value = config.getoption("--oms-clock")
    if value:
        import freezegun

        config._oms_clock = freezegun.freeze_time(value, tick=True)
        config._oms_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "_oms_clock", None)
    if clock is not None:
        clock.stop()


def pytest_collection_modifyitems(config, items):
    """Odoo's ``@tagged("oms_clock")`` on a test class becomes the pytest marker of the same
    name, so that ``-m oms_clock`` selects the same tests as Odoo's ``--test-tags oms_clock``."""
    for item in items:
        tags = getattr(getattr(item, "cls", None), "test_tags", ()) or ()
        if CLOCK_TAG in tags:
            item.add_marker(getattr(pytest.mark, CLOCK_TAG))


def pytest_report_header(config):
    value = config.getoption("--oms-clock")
    return f"oms clock: set to {value} (ticking)" if value else None
