/** @odoo-module **/
// A return from the customer's request on the portal to the credit note, in two tours driven by
// oms_returns/tests/test_tour_return.py: the customer "Return Customer" has a delivered and paid
// order of 2 "Return Test Shirt" (50.00 + 20% tax each).
import { registry } from "@web/core/registry";

// The customer, on the portal: requests the return of one shirt.
registry.category("web_tour.tours").add("oms_return_portal_tour", {
    steps: () => [
        {
            content: "The request form lists the delivered shirt, 2 returnable",
            trigger: "form[action='/my/returns/new'] tr:contains('Return Test Shirt'):contains('2')",
        },
        {
            content: "Return one shirt",
            trigger: "tr:contains('Return Test Shirt') input[name^=qty_]",
            run: "edit 1",
        },
        {
            content: "Because it is too small",
            trigger: "tr:contains('Return Test Shirt') select[name^=reason_]",
            run: "selectByLabel Size too small",
        },
        {
            content: "Send the request",
            trigger: "form[action='/my/returns/new'] button[type=submit]:contains('Request the return')",
            run: "click",
        },
        {
            content: "The customer sees the return they requested, in the state Requested",
            trigger: ".card-header:contains('Return') .badge:contains('Requested')",
        },
        {
            content: "with the shirt, one unit, and the reason given",
            trigger:
                ".card-body tr:contains('Return Test Shirt'):contains('1.00'):contains('Size too small')",
        },
        {
            content: "The return is listed on the customer's returns",
            trigger: ".o_portal .breadcrumb a[href='/my/returns']",
            run: "click",
        },
        {
            content: "with its state",
            trigger: "table tr:has(a[href^='/my/returns/']) .badge:contains('Requested')",
        },
    ],
});

// The returns clerk, in the back office: approves, receives, inspects; the credit note is posted.
registry.category("web_tour.tours").add("oms_return_backend_tour", {
    steps: () => [
        {
            content: "The portal request waits in the Requested column",
            trigger:
                ".o_kanban_group:contains('Requested') .o_kanban_record:contains('Return Customer')",
            run: "click",
        },
        {
            content: "It came from the portal and is Requested",
            trigger:
                ".o_form_view:has(.o_field_widget[name=source]:contains('Customer Portal')) .o_statusbar_status button.o_arrow_button_current:contains('Requested')",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_approve]",
            run: "click",
        },
        {
            content: "Approved: it waits for the goods",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Waiting for Goods')",
        },
        {
            content: "Open its receipt",
            trigger: ".o_form_view .oe_stat_button[name=action_view_pickings]:contains('1')",
            run: "click",
        },
        {
            content: "The receipt of the shirt is ready",
            trigger:
                ".o_form_view:has(.o_data_row:contains('Return Test Shirt')) .o_statusbar_status button.o_arrow_button_current:contains('Ready')",
        },
        {
            content: "The parcel came in: validate",
            trigger: ".o_form_view .o_statusbar_buttons button[name=button_validate]",
            run: "click",
        },
        {
            content: "The receipt is done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            content: "Back to the return",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('RET/')",
            run: "click",
        },
        {
            content: "The return shows the goods received",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Received')",
        },
        {
            content: "Inspect them",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_inspect]",
            run: "click",
        },
        {
            content: "The inspection proposes the shirt, grade A",
            trigger: ".modal .o_data_row:contains('Return Test Shirt'):contains('A')",
        },
        {
            content: "Validate the inspection",
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "Inspected and refunded: the return is Done",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            content: "with its refunded amount",
            trigger: ".o_form_view .o_field_widget[name=amount_refunded]:contains('60.00')",
        },
        {
            content: "Open its credit note",
            trigger: ".o_form_view .oe_stat_button[name=action_view_credit_notes]:contains('1')",
            run: "click",
        },
        {
            content: "The credit note is posted",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Posted')",
        },
        {
            content: "for one shirt: 50.00 + 20% tax = 60.00",
            trigger:
                ".o_form_view .o_data_row:contains('Return Test Shirt') .o_data_cell[name=quantity]:contains('1.00')",
        },
        {
            content: "Its total is 60.00",
            trigger: ".o_form_view [name=tax_totals]:contains('60.00')",
        },
    ],
});
