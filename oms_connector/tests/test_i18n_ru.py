# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import re
from pathlib import Path

from babel.messages.pofile import read_po

from odoo.tests import TransactionCase, tagged

from .common_intake import IntakeChannelMixin, load_payload

OMS_MODULES = ["oms_connector", "oms_returns", "oms_forecast"]
ROOT = Path(__file__).parents[2]
CYRILLIC = re.compile("[А-Яа-яЁё]")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[srdf]|%%")
#: English terms that read the same in Russian (names, acronyms, samples)
SAME_IN_RUSSIAN = {
    "API", "URL", "ID", "OMS", "3PL", "MASE", "WAPE (%)", "Shopify", "WooCommerce",
    "2025-01", "https://api.3pl.example.com/v1", "API URL", "Ozon", "Wildberries", "Amazon SP-API",
}  # fmt: skip


@tagged("post_install", "-at_install")
class TestRussian(IntakeChannelMixin, TransactionCase):
    """With Russian loaded, what the OMS screens show is Russian: field labels, menus, the
    values of selections, and the message of a failed event."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.env["ir.module.module"]._load_module_terms(OMS_MODULES, ["ru_RU"], overwrite=True)
        cls.ru = cls.env(context=dict(cls.env.context, lang="ru_RU"))

    def _records_of_our_modules(self, model):
        ids = (
            self.env["ir.model.data"]
            .search([("module", "in", OMS_MODULES), ("model", "=", model)])
            .mapped("res_id")
        )
        return self.ru[model].browse(ids).exists()

    def _untranslated(self, records, fname):
        missing = []
        for record in records:
            english = record.with_context(lang="en_US")[fname]
            russian = record[fname]
            if english in SAME_IN_RUSSIAN or not re.search("[A-Za-z]{3,}", english or ""):
                continue
            if russian == english or not CYRILLIC.search(russian or ""):
                missing.append(english)
        return sorted(set(missing))

    def test_field_labels_and_help_are_russian(self):
        fields = self._records_of_our_modules("ir.model.fields")
        self.assertGreater(len(fields), 300)
        self.assertEqual(self._untranslated(fields, "field_description"), [])
        self.assertEqual(self._untranslated(fields.filtered("help"), "help"), [])
        event_state = self.ru["oms.channel.event"]._fields["state"]
        self.assertEqual(event_state.get_description(self.ru)["string"], "Состояние")

    def test_menus_actions_and_selections_are_russian(self):
        menus = self._records_of_our_modules("ir.ui.menu")
        self.assertIn("Панель каналов", menus.mapped("name"))
        self.assertEqual(self._untranslated(menus, "name"), [])
        actions = self._records_of_our_modules("ir.actions.act_window")
        self.assertEqual(self._untranslated(actions, "name"), [])
        selections = self._records_of_our_modules("ir.model.fields.selection")
        self.assertEqual(self._untranslated(selections, "name"), [])
        labels = dict(self.ru["oms.channel.event"]._fields["state"]._description_selection(self.ru))
        self.assertEqual(labels["failed"], "Ошибка")
        return_states = dict(self.ru["oms.return"]._fields["state"]._description_selection(self.ru))
        self.assertEqual(return_states["approved"], "Одобрен")

    def test_every_message_keeps_its_placeholders(self):
        """A translation that drops or renames %(name)s would raise or lose a value."""
        for module in OMS_MODULES:
            path = ROOT / module / "i18n" / "ru.po"
            with path.open("rb") as po:
                catalog = read_po(po)
            untranslated = [m.id for m in catalog if m.id and not m.string]
            self.assertEqual(untranslated, [], f"{path} has untranslated entries")
            for message in catalog:
                if not message.id:
                    continue
                self.assertEqual(
                    sorted(PLACEHOLDER.findall(message.id)),
                    sorted(PLACEHOLDER.findall(message.string)),
                    f"{module}: {message.id!r}",
                )

    def test_failed_event_message_reads_in_russian(self):
        channel = self._setup_order_mapping(self._create_channel("generic", "t-ru"))
        payload = load_payload("generic_order.json")
        payload["id"] = "WS-RU-1"
        payload["lines"][1]["sku"] = "OMS-RU-404"
        payload["lines"][1]["barcode"] = ""
        Event = self.ru["oms.channel.event"]
        event = Event._store_delivery(
            Event._prepare_event_vals(
                channel,
                "order.created",
                "dlv-ru-1",
                json.dumps(payload),
                external_order_id="WS-RU-1",
            )
        )
        event._job_process()
        self.assertEqual(event.state, "failed")
        self.assertIn("OMS-RU-404", event.error)
        self.assertIn("В Odoo нет товара для строки", event.error)
        self.assertIn("артикул 'OMS-RU-404'", event.error)
        self.assertIn("кнопка «Исправить» в событии", event.error)
