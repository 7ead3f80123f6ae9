# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import new_test_user, tagged

from .common_tour import OmsTourCase
from .fake_servers import FakeThreePL
from .routing_common import RoutingFactoryMixin

SECRET = "3pl-tour-secret"


@tagged("post_install", "-at_install", "oms_tour")
class TestTourThreePLHeldDelivery(RoutingFactoryMixin, OmsTourCase):
    """In the browser, as a warehouse user (stock user + OMS user): the 3PL refused a delivery,
    which waits with the 3PL's reason on top; the warehouse ships it and validates it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_routing_world()
        cls.threepl = FakeThreePL(SECRET).start()
        cls.addClassCleanup(cls.threepl.stop)
        # the 3PL refuses the shipment request (a real HTTP answer from 127.0.0.1)
        cls.threepl.routes[("POST", "/shipments")] = (
            422,
            {"error": "ship_to: street number missing"},
        )
        cls.provider = cls.env["oms.fulfillment.provider"].create(
            {
                "name": "FastShip Tour",
                "code": "fastship-tour",
                "endpoint_url": cls.threepl.url,
                "secret": SECRET,
                "timeout": 3,
                "state": "active",
            }
        )
        cls.wh_madrid.oms_fulfillment_provider_id = cls.provider
        cls.lamp = cls._create_product("Tour Lamp")
        cls._set_stock(cls.lamp, cls.wh_madrid, 5)
        cls._create_rule("All to the 3PL", "fixed", warehouse_id=cls.wh_madrid.id)
        with trap_jobs():
            order = cls._create_channel_order([(cls.lamp, 3)])
            cls.env["oms.routing.engine"].route_orders(order)
        cls.picking = order.picking_ids
        cls.picking._oms_3pl_job_send()
        assert cls.picking.oms_3pl_state == "error", cls.picking.oms_3pl_error
        cls.warehouse_user = new_test_user(
            cls.env,
            login="oms_tour_warehouse",
            groups="oms_connector.group_oms_user,stock.group_stock_user",
        )

    def test_refused_delivery_validated_by_the_warehouse(self):
        self.start_tour(
            "/odoo/action-oms_connector.oms_picking_3pl_action",
            "oms_threepl_held_delivery_tour",
            login=self.warehouse_user.login,
        )
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.picking.move_ids.quantity, 3.0)
        self.assertEqual(self.picking.move_ids.product_id, self.lamp)
        self.assertEqual(len(self.threepl.calls("POST", "/shipments")), 1, "no second request")
