/** @odoo-module **/
// The channel dashboard -> a failed event -> Retry after the fix -> the order created.
// Driven by oms_connector/tests/test_tour_failed_event.py, which creates the channel "Tour
// Shop", an event that failed on the unknown SKU OMS-TOUR-404, then the missing product.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("oms_failed_event_tour", {
    steps: () => [
        {
            content: "The dashboard's card of the channel shows one failed event",
            trigger:
                ".o_kanban_record:contains('Tour Shop') button[name=action_view_failed_events].btn-danger:contains('1')",
            run: "click",
        },
        {
            content: "The failed event of the channel order is listed",
            trigger: ".o_data_row:contains('WS-TOUR-0404') .o_data_cell[name=external_order_id]",
            run: "click",
        },
        {
            content: "The event says what to fix: the unknown SKU",
            trigger: ".o_form_view .alert-danger:contains('OMS-TOUR-404')",
        },
        {
            content: "Its status is Failed",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Failed')",
        },
        {
            content: "The product now exists: Retry",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_retry]",
            run: "click",
        },
        {
            content: "The event is done and no longer shows an error",
            trigger:
                ".o_form_view:not(:has(.alert-danger)) .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            content: "The event links to the order it created",
            trigger: ".o_form_view .oe_stat_button[name=action_view_sale_order]",
            run: "click",
        },
        {
            content: "The sale order of the channel order, with its total",
            trigger: ".o_form_view [name=tax_totals]:contains('234.62')",
        },
        {
            content: "The order has its sale order number",
            trigger: ".o_form_view .oe_title [name=name]:contains('S0')",
            run() {
                const name = this.anchor.textContent.trim();
                if (!/^S\d{5,}$/.test(name)) {
                    throw new Error(`The order's number reads "${name}", not S00001 and on`);
                }
            },
        },
    ],
});
