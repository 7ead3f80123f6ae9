#!/usr/bin/env bash
# Regenerate each addon's i18n/<addon>.pot from the code with Odoo's own export, then merge the
# new and changed msgids into every i18n/*.po (msgmerge: the existing translations are kept; a
# new or changed msgid is added empty, never fuzzy: Odoo 18 loads fuzzy entries as if they were
# translated, so a stale guess would show, and could drop a placeholder; the old translation of
# a changed msgid stays at the end of the .po as an obsolete "#~" entry, for reference).
# A .pot whose only change would be its dates is left untouched (no noise in the diff).
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

# "N translated messages, M fuzzy translations, K untranslated messages." -> the count of $2
po_count() {
  LC_ALL=C msgfmt --statistics -o /dev/null "$1" 2>&1 | grep -oE "[0-9]+ $2" | grep -oE '^[0-9]+' || echo 0
}
# a .pot without its creation/revision dates
pot_body() { grep -vE '^"PO(T-Creation|-Revision)-Date: ' "$1"; }

export_tmp="$(mktemp -d)"
trap 'rm -rf "$export_tmp"' EXIT
for addon in ${OMS_ADDONS//,/ }; do
  dir="$ROOT/$addon/i18n"
  pot="$dir/$addon.pot"
  new_pot="$export_tmp/$addon.pot" # Odoo picks the format from the extension
  mkdir -p "$dir"
  info "Exporting $addon/i18n/$addon.pot"
  odoo -d "$DB" --i18n-export="$new_pot" --modules="$addon" --stop-after-init \
    --log-level=warn --http-port=0 --max-cron-threads=0 || die "exporting $addon failed"
  grep -q '^msgid "..*"' "$new_pot" 2>/dev/null || die "the export of $addon is empty ($new_pot)"
  if [ -e "$pot" ] && cmp -s <(pot_body "$pot") <(pot_body "$new_pot"); then
    info "$addon/i18n/$addon.pot: no new or changed msgid"
  else
    cp "$new_pot" "$pot"
  fi
  for po in "$dir"/*.po; do
    [ -e "$po" ] || continue
    msgmerge --quiet --update --backup=none --no-fuzzy-matching "$po" "$pot"
    msgfmt -c -o /dev/null "$po" || die "$po does not compile after the merge"
    info "$addon/i18n/$(basename "$po"): $(po_count "$po" untranslated) untranslated," \
      "$(po_count "$po" fuzzy) fuzzy"
  done
done
[ -n "${I18N_KEEP_DB:-}" ] || drop_db "$DB"
