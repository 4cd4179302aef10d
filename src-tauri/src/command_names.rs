// The app's commands, in one list shared by `build.rs` (which generates an `allow-<name>`
// permission for each) and the tests that compare it with the handler and the capability.
pub const COMMANDS: &[&str] = &[
    "book_info",
    "list_currencies",
    "add_customer",
    "list_customers",
    "customer_accounts",
    "add_payment_account",
    "add_request",
    "decide_request",
    "list_requests",
    "list_payouts",
    "payout_preview",
    "create_payout",
    "payout_history",
    "payout_detail",
    "change_payout_status",
    "bulk_change_status",
    "edit_payout",
    "reveal_payout_account",
];
