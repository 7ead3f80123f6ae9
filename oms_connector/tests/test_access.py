# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

OMS_ADDONS = ("oms_connector", "oms_returns", "oms_forecast")
OMS_MENUS = (
    "oms_connector.oms_menu_sales",
    "oms_connector.oms_menu_inventory",
    "oms_connector.oms_menu_accounting",
)


@tagged("post_install", "-at_install")
class TestOmsAccess(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.oms_user = new_test_user(
            cls.env,
            login="oms_user",
            groups="oms_connector.group_oms_user,sales_team.group_sale_salesman,"
            "stock.group_stock_user,account.group_account_invoice",
        )
        cls.oms_manager = new_test_user(
            cls.env,
            login="oms_manager",
            groups="oms_connector.group_oms_manager,sales_team.group_sale_manager,"
            "stock.group_stock_manager,account.group_account_manager",
        )
        cls.plain_user = new_test_user(
            cls.env, login="plain_user", groups="base.group_user,sales_team.group_sale_salesman"
        )
        cls.channel = cls.env["oms.channel"].create(
            {"name": "Access Test Shop", "code": "access-test", "platform": "generic"}
        )

    def test_addons_installed_together(self):
        modules = self.env["ir.module.module"].search([("name", "in", OMS_ADDONS)])
        self.assertEqual(
            sorted(modules.mapped("name")), sorted(OMS_ADDONS), "all three addons are known"
        )
        self.assertEqual(set(modules.mapped("state")), {"installed"})

    def test_manager_implies_user(self):
        self.assertTrue(self.oms_manager.has_group("oms_connector.group_oms_user"))
        self.assertFalse(self.oms_user.has_group("oms_connector.group_oms_manager"))

    def _visible_menus(self, user):
        return self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

    def test_oms_groups_see_the_menus(self):
        for user in (self.oms_user, self.oms_manager):
            visible = self._visible_menus(user)
            for xmlid in OMS_MENUS:
                menu = self.env.ref(xmlid)
                self.assertIn(menu.id, visible, f"{user.login} should see {xmlid}")
                for child in menu.child_id:
                    self.assertIn(child.id, visible, f"{user.login} should see {child.name}")
                    if child.action:
                        # the action behind the menu opens for that user
                        action = child.action.sudo()
                        self.env[action.res_model].with_user(user).search([], limit=1)

    def test_user_without_oms_group_sees_no_menu(self):
        visible = self._visible_menus(self.plain_user)
        for xmlid in OMS_MENUS:
            self.assertNotIn(self.env.ref(xmlid).id, visible)

    def test_user_without_oms_group_cannot_read_oms_models(self):
        oms_models = self.env["ir.model"].search(
            [("model", "=like", "oms.%"), ("transient", "=", False)]
        )
        self.assertIn("oms.channel", oms_models.mapped("model"))
        for model in oms_models.mapped("model"):
            if self.env[model]._abstract:
                continue
            with self.assertRaises(AccessError, msg=f"{model} readable without OMS group"):
                self.env[model].with_user(self.plain_user).search([], limit=1)

    def test_user_reads_manager_writes_channels(self):
        channel_as_user = self.channel.with_user(self.oms_user)
        self.assertEqual(channel_as_user.name, "Access Test Shop")
        with self.assertRaises(AccessError):
            channel_as_user.write({"name": "Renamed"})
        self.channel.with_user(self.oms_manager).write({"name": "Renamed"})
        self.assertEqual(self.channel.name, "Renamed")
