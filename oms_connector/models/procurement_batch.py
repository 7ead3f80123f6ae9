# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The batch cache of the intake's confirmation: what the procurement reads of its
configuration once per batch (see ``intake.procurement_intake`` for what it holds)."""

import contextlib

#: key of the batch's cache in ``cr.cache`` (the cursor's per-transaction dict)
BATCH_CACHE_KEY = "oms_procurement_batch"


@contextlib.contextmanager
def procurement_batch(env):
    """Remember the procurement's configuration lookups until the block ends (re-entrant: an
    inner block shares the outer one's cache). The cache lives on the cursor, so the moves
    Odoo confirms as superuser or in another company share it; it is dropped when the block
    ends, also on error (a retried batch starts afresh)."""
    if BATCH_CACHE_KEY in env.cr.cache:
        yield env.cr.cache[BATCH_CACHE_KEY]
        return
    env.cr.cache[BATCH_CACHE_KEY] = cache = {}
    try:
        yield cache
    finally:
        env.cr.cache.pop(BATCH_CACHE_KEY, None)


def get_batch_cache(env):
    """The cache of the current ``procurement_batch``, or None outside one."""
    return env.cr.cache.get(BATCH_CACHE_KEY)


def env_key(env):
    """What decides which records a search of ``env`` sees: user, superuser mode, allowed
    companies (record rules) and archived records."""
    return (env.uid, env.su, tuple(env.companies.ids), env.context.get("active_test", True))
