/** @odoo-module **/
// A warehouse user ships by hand a 3PL delivery that the 3PL refused and that waits for a person.
// Driven by oms_connector/tests/test_tour_threepl_held.py: the Madrid warehouse ships through the
// 3PL "FastShip Tour", which refused Claire Dubois's delivery of 3 "Tour Lamp" (HTTP 422).
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("oms_threepl_held_delivery_tour", {
    steps: () => [
        {
            content: "3PL Deliveries lists the refused delivery as 3PL error",
            trigger:
                ".o_data_row:contains('Claire Dubois') .o_data_cell[name=oms_3pl_state]:contains('3PL error')",
            run: "click",
        },
        {
            content: "The banner says the 3PL refused it, and why",
            trigger:
                ".o_form_view .alert-danger:contains('3PL error'):contains('refused the shipment (HTTP 422)'):contains('street number missing')",
        },
        {
            content: "and what to do: fix the cause, then Send to 3PL",
            trigger:
                ".o_form_view:has(.alert-danger:contains('click Send to 3PL')) .o_statusbar_buttons button[name=action_oms_3pl_send]",
        },
        {
            content: "The delivery is ready, with the lamps reserved",
            trigger:
                ".o_form_view:has(.o_data_row:contains('Tour Lamp')) .o_statusbar_status button.o_arrow_button_current:contains('Ready')",
        },
        {
            content: "The warehouse ships it itself: Validate",
            trigger: ".o_form_view .o_statusbar_buttons button[name=button_validate]",
            run: "click",
        },
        {
            content: "The delivery is Done and no longer asks for the 3PL",
            trigger:
                ".o_form_view:not(:has(.alert-danger)):not(:has(button[name=action_oms_3pl_send])) .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
    ],
});
