#!/usr/bin/env bash
# Regenerate each addon's i18n/<addon>.pot from the code with Odoo's own export, then merge the
# new and changed msgids into every i18n/*.po (msgmerge: the existing translations are kept,
# changed ones are marked fuzzy, new ones are added empty for the translator).
#   I18N_DB=name   database the addons are installed in (default oms_i18n; created and the
#                  three addons installed without demo data when missing, updated otherwise)
#   I18N_KEEP_DB=1 keep that database afterwards (default: dropped)
# Then translate the empty and fuzzy entries (grep -c 'msgstr ""$' and '#, fuzzy') and check
# with: msgfmt -c -o /dev/null <addon>/i18n/ru.po
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$ROOT/scripts/odoo_db.sh"

command -v msgmerge >/dev/null 2>&1 || die "msgmerge missing: apt-get install -y gettext"
"$ROOT/scripts/setup.sh"
ensure_postgres
DB="${I18N_DB:-oms_i18n}"
if db_exists "$DB"; then
  info "Updating $OMS_ADDONS in $DB"
  odoo_install "$DB" -u "$OMS_ADDONS"
else
  info "Creating $DB with $OMS_ADDONS (no demo data)"
  # without demo data: the export takes every record of the module, demo records too
  createdb "$DB"
  odoo -d "$DB" -i "$OMS_ADDONS" --without-demo=all --stop-after-init --log-level=warn \
    --http-port=0 --max-cron-threads=0 || die "installing $OMS_ADDONS into $DB failed"
fi

for addon in ${OMS_ADDONS//,/ }; do
  dir="$ROOT/$addon/i18n"
  mkdir -p "$dir"
  info "Exporting $addon/i18n/$addon.pot"
  odoo -d "$DB" --i18n-export="$dir/$addon.pot" --modules="$addon" --stop-after-init \
    --log-level=warn --http-port=0 --max-cron-threads=0
  for po in "$dir"/*.po; do
    [ -e "$po" ] || continue
    msgmerge --quiet --update --backup=none --no-fuzzy-matching "$po" "$dir/$addon.pot"
    msgfmt -c -o /dev/null "$po" || die "$po does not compile after the merge"
    untranslated="$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)"
    fuzzy="$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)"
    info "$addon/i18n/$(basename "$po"): $untranslated untranslated, $fuzzy fuzzy"
  done
done
[ -n "${I18N_KEEP_DB:-}" ] || drop_db "$DB"
