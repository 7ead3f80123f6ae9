/** @odoo-module **/
// A forecast computed -> its reorder suggestion turned into a min/max reordering rule. Driven by
// oms_forecast/tests/test_tour_forecast.py: "Tour Steady Seller" sold 5 a day for 20 weeks, 40
// on hand, bought from a vendor in 14 days by multiples of 12 (rule: min 84, max 120).
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("oms_forecast_reorder_tour", {
    steps: () => [
        {
            content: "No forecast yet: compute them now",
            trigger: ".o_control_panel button[name=action_compute_now]",
            run: "click",
        },
        {
            content: "The run is done and found one product to reorder",
            trigger:
                ".o_form_view:has(.o_field_widget[name=reorder_count]:contains('1')) .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            content: "Back to the product forecasts",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Product Forecasts')",
            run: "click",
        },
        {
            content: "The product is listed with its stock-out risk and a suggested order",
            trigger:
                ".o_data_row.text-danger:contains('Tour Steady Seller') .o_data_cell[name=suggested_qty]:not(:contains('0.00'))",
        },
        {
            content: "Open its forecast",
            trigger: ".o_data_row:contains('Tour Steady Seller') .o_data_cell[name=product_id]",
            run: "click",
        },
        {
            content: "The forecast says why: 5 a day, bought in 14 days",
            trigger:
                ".o_form_view:has(.o_field_widget[name=avg_daily_demand]:contains('5.00')) .o_field_widget[name=lead_time_days]:contains('14.00')",
        },
        {
            content: "with the reorder point the rule will take",
            trigger: ".o_form_view .o_field_widget[name=reorder_point]:contains('76.88')",
        },
        {
            content: "Turn the suggestion into a reordering rule",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_apply_orderpoints]",
            run: "click",
        },
        {
            content: "The reordering rule of the product: min 84 (76.88 up to a multiple of 12)",
            trigger:
                ".o_data_row:contains('Tour Steady Seller') .o_data_cell[name=product_min_qty]:contains('84.00')",
        },
        {
            content: "and max 120 (111.88 up to a multiple of 12)",
            trigger:
                ".o_data_row:contains('Tour Steady Seller') .o_data_cell[name=product_max_qty]:contains('120.00')",
        },
    ],
});
