# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import TransactionCase, new_test_user, tagged

from ..adapters import OmsPayloadError
from ..adapters.reader import PayloadReader
from .common_intake import IntakeChannelMixin, generic_headers, load_payload, to_body

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
        groups = "oms_connector.group_oms_user,sales_team.group_sale_salesman"
        cls.ru_user = new_test_user(cls.env, login="oms_ru_user", groups=groups, lang="ru_RU")
        cls.en_user = new_test_user(cls.env, login="oms_en_user", groups=groups, lang="en_US")

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

    def _as_user(self, records, user):
        """``records`` as ``user`` sees them in the web client: the context carries the user's
        language (the web client sends it; queue_job keeps it in the jobs it enqueues)."""
        return records.with_user(user).with_context(lang=user.lang)

    def test_failed_webhook_event_message_reads_in_the_user_language(self):
        """A payload with a required field missing fails with the JSON path of the field; the
        message reads in the language of the user whose job processed the event, and a plain
        ``str()`` of the adapter's error stays English."""
        channel = self._setup_order_mapping(self._create_channel("generic", "t-ru-webhook"))
        payload = load_payload("generic_order.json")
        payload["id"] = "WS-RU-2"
        del payload["lines"][1]["unit_price"]
        body = to_body(payload)
        headers = generic_headers(self.SECRET, body, delivery_id="dlv-ru-2")
        Event = self.env["oms.channel.event"]
        with trap_jobs() as trap:
            status, _text, event = Event._receive_webhook(channel, headers, body)
            self.assertEqual(status, 200)
            trap.assert_jobs_count(1, only=event._job_process)
            trap.perform_enqueued_jobs()
        self.assertEqual(event.state, "failed")
        # the webhook route has no user language: English
        self.assertIn("$.lines[1].unit_price: missing (required).", event.error)

        expected = {
            self.ru_user: "$.lines[1].unit_price: отсутствует (обязательное поле).",
            self.en_user: "$.lines[1].unit_price: missing (required).",
        }
        for user, message in expected.items():
            with self.subTest(lang=user.lang), trap_jobs() as trap:
                self._as_user(event, user).action_retry()
                trap.assert_jobs_count(1, only=event._job_process)
                job = trap.enqueued_jobs[0]
                # what queue_job stores with the job (and runs it with) keeps the language
                self.assertEqual(
                    job.recordset._job_prepare_context_before_enqueue()["lang"], user.lang
                )
                trap.perform_enqueued_jobs()
                self.assertEqual(event.state, "failed")
                self.assertIn(message, event.error)

    def test_webhook_event_message_reads_in_the_company_language(self):
        """Webhooks and crons run as the system, whose language nobody chose: their jobs write
        in the language of the channel's company (a Russian seller reads Russian reasons
        without retrying each event)."""
        channel = self._setup_order_mapping(self._create_channel("generic", "t-ru-company"))
        channel.company_id.partner_id.lang = "ru_RU"
        payload = load_payload("generic_order.json")
        payload["id"] = "WS-RU-3"
        del payload["lines"][1]["unit_price"]
        body = to_body(payload)
        headers = generic_headers(self.SECRET, body, delivery_id="dlv-ru-3")
        with trap_jobs() as trap:
            status, _text, event = self.env["oms.channel.event"]._receive_webhook(
                channel, headers, body
            )
            self.assertEqual(status, 200)
            trap.perform_enqueued_jobs()
        self.assertEqual(event.state, "failed")
        self.assertIn("$.lines[1].unit_price: отсутствует (обязательное поле).", event.error)

    def test_refused_stock_level_reads_in_the_user_language(self):
        """A stock level the adapter refuses before any request (no WooCommerce product id on
        it) keeps the reason in the language of whoever pushes (a Russian manager's
        *Push Stock Now*), and in English for an English one."""
        channel = self._create_channel("woocommerce", "t-ru-stock", api_url="http://127.0.0.1:9")
        product = self._create_oms_product("Ru stock lamp")
        level = self.env["oms.channel.stock.level"].create(
            {"channel_id": channel.id, "product_id": product.id}
        )
        results = channel._get_adapter().push_stock_levels([(level, 5.0)])
        expected = {
            "ru_RU": "У этого уровня запаса нет ID товара WooCommerce.",
            "en_US": "No WooCommerce product id on this stock level.",
        }
        for lang, message in expected.items():
            with self.subTest(lang=lang):
                channel.with_context(lang=lang)._record_stock_push_results(
                    level, results, {level.id: 5.0}
                )
                self.assertEqual(level.error, message)

    def test_adapter_error_str_is_english_translated_renders_the_language(self):
        with self.assertRaises(OmsPayloadError) as caught:
            PayloadReader({"lines": [{"sku": "TEE-M"}]}).objects("lines")[0].amount(
                "unit_price", required=True
            )
        error = caught.exception
        self.assertEqual(str(error), "$.lines[0].unit_price: missing (required).")
        self.assertEqual(
            error.translated(self.ru), "$.lines[0].unit_price: отсутствует (обязательное поле)."
        )
        self.assertEqual(error.translated(self.env), "$.lines[0].unit_price: missing (required).")
        # nested fragments (a type's name) are translated with the message
        with self.assertRaises(OmsPayloadError) as caught:
            PayloadReader({"lines": {"sku": "TEE-M"}}).objects("lines")
        self.assertEqual(str(caught.exception), "$.lines: expected a list, got an object.")
        self.assertEqual(
            caught.exception.translated(self.ru), "$.lines: ожидается список, получено: объект."
        )

    def test_every_adapter_message_has_a_russian_translation(self):
        """Every ``_lt()`` message of the adapters (the pure layer, without an environment)
        has a Russian msgstr in its addon's ru.po: a new message cannot ship untranslated."""
        for module in ("oms_connector", "oms_returns"):
            adapters = ROOT / module / "adapters"
            msgids = {
                message
                for _file, _line, message, _comments, _context in extract_from_dir(
                    adapters, method_map=[("**.py", "python")], keywords={"_lt": None}
                )
            }
            self.assertGreater(len(msgids), 10, f"{module}: no _lt() message found")
            with (ROOT / module / "i18n" / "ru.po").open("rb") as po:
                translations = {m.id: m.string for m in read_po(po) if m.id}
            missing = sorted(m for m in msgids if not translations.get(m))
            self.assertEqual(missing, [], f"{module}/i18n/ru.po lacks adapter messages")
            untranslated = sorted(m for m in msgids if not CYRILLIC.search(translations[m]))
            self.assertEqual(untranslated, [], f"{module}: adapter messages left in English")
