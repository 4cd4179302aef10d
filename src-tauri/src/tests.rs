//! Command tests: the IPC surface through Tauri's mock runtime, with the real configuration and
//! capability (so the ACL is the one the app ships).

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

use crate::{context, with_commands, Book, COMMANDS};

struct Harness {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    _dir: tempfile::TempDir,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.sqlite");
    let ledger = tauri::async_runtime::block_on(ledger::Ledger::open(
        &path,
        ledger::Create::IfMissing,
        chrono::Utc::now(),
    ))
    .unwrap();
    let app = with_commands(mock_builder().plugin(crate::window_place::plugin()))
        .manage(Book::new(ledger, "Tester"))
        .build(context())
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Harness {
        _app: app,
        window,
        _dir: dir,
    }
}

/// The origin the app's own pages have: Windows (and Android) serve them over
/// `http://tauri.localhost`, the other systems over `tauri://localhost`. A call from any other
/// origin is refused, so a test with the wrong one fails every command.
const APP_ORIGIN: &str = if cfg!(any(windows, target_os = "android")) {
    "http://tauri.localhost"
} else {
    "tauri://localhost"
};

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    invoke_from(APP_ORIGIN, window, cmd, args)
}

fn invoke_from(
    origin: &str,
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: origin.parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().unwrap())
}

fn kebab(command: &str) -> String {
    format!("allow-{}", command.replace('_', "-"))
}

#[test]
fn the_version_lives_in_cargo_toml_alone() {
    let config: Value = serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
    assert_eq!(config.get("version"), None, "tauri.conf.json takes Cargo's");
    let h = harness();
    let help = invoke(&h.window, "help_info", json!({})).unwrap();
    assert_eq!(help["version"], env!("CARGO_PKG_VERSION"));
    let diagnostics = help["diagnostics"].as_str().unwrap();
    assert!(
        diagnostics.starts_with(&format!(
            "Incentise Payouts {} on ",
            env!("CARGO_PKG_VERSION")
        )),
        "{diagnostics}"
    );
}

#[test]
fn only_the_app_origin_of_this_system_is_allowed() {
    let h = harness();
    assert!(invoke(&h.window, "start_up", json!({})).is_ok());
    for origin in [
        "tauri://localhost",
        "http://tauri.localhost",
        "https://example.com",
    ] {
        if origin != APP_ORIGIN {
            let outcome = invoke_from(origin, &h.window, "start_up", json!({}));
            assert!(outcome.is_err(), "{origin} was allowed: {outcome:?}");
        }
    }
}

#[test]
fn the_handler_the_build_list_and_the_capability_agree() {
    let h = harness();
    for command in COMMANDS {
        // An empty argument object reaches the handler: it either answers or complains about a
        // missing argument, but is never refused as unknown or not allowed.
        let outcome = invoke(&h.window, command, json!({}));
        let text = format!("{outcome:?}");
        assert!(
            !text.contains("not found") && !text.contains("not allowed"),
            "{command}: {text}"
        );
    }
    let refused = invoke(&h.window, "drop_everything", json!({})).unwrap_err();
    assert!(refused.to_string().contains("not"), "{refused}");

    let capability: Value =
        serde_json::from_str(include_str!("../../capabilities/main.json")).unwrap();
    let granted: Vec<&str> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let listed: Vec<String> = COMMANDS.iter().map(|c| kebab(c)).collect();
    assert_eq!(
        granted, listed,
        "capabilities/main.json must grant exactly the listed commands"
    );
    assert_eq!(capability["windows"], json!(["main"]));

    let handlers = include_str!("lib.rs");
    for command in COMMANDS {
        assert!(
            handlers.contains(&format!("commands::{command},")),
            "{command} is not in the handler list"
        );
    }
    assert_eq!(
        handlers.matches("commands::").count(),
        COMMANDS.len(),
        "a handler is not in COMMANDS"
    );
}

#[test]
fn another_window_gets_no_commands() {
    let h = harness();
    let other = WebviewWindowBuilder::new(h.window.app_handle(), "other", Default::default())
        .build()
        .unwrap();
    let refused = invoke(&other, "book_info", json!({})).unwrap_err();
    assert!(refused.to_string().contains("not allowed"), "{refused}");
}

/// The window-state plugin keeps the window's place from Rust; the capability grants the page
/// none of its commands (registered here as in the app).
#[test]
fn the_window_state_plugin_gives_the_page_nothing() {
    let h = harness();
    for command in ["save_window_state", "restore_state", "filename"] {
        let refused = invoke(
            &h.window,
            &format!("plugin:window-state|{command}"),
            json!({ "flags": 1, "label": "main" }),
        )
        .unwrap_err();
        assert!(
            refused.to_string().contains("not allowed"),
            "{command}: {refused}"
        );
    }
}

#[test]
fn errors_reach_the_ui_as_kind_message_field() {
    let h = harness();
    let err = invoke(
        &h.window,
        "add_customer",
        json!({"input": {"username": "", "display_name": "A"}}),
    )
    .unwrap_err();
    assert_eq!(err["kind"], "validation");
    assert_eq!(err["field"], "username");
    assert_eq!(err["message"], "Username is required.");
    let err = invoke(&h.window, "payout_preview", json!({"request_id": 42})).unwrap_err();
    assert_eq!(
        err,
        json!({"kind": "not_found", "message": "There is no request IR-000042."})
    );
}

/// A create the UI retries with its attempt's key gives the first record back (issue 11).
#[test]
fn creates_retried_with_their_key_make_one_record() {
    let h = harness();
    let w = &h.window;
    let add = |key: &str| {
        invoke(
            w,
            "add_customer",
            json!({"input": {"username": "ada", "display_name": "Ada L"}, "idempotency_key": key}),
        )
    };
    let first = add("attempt-1").unwrap();
    assert_eq!(add("attempt-1").unwrap()["id"], first["id"]);
    // Another attempt is another create: the username is taken by the first.
    let other = add("attempt-2").unwrap_err();
    assert!(
        other["message"].as_str().unwrap().contains("ada"),
        "{other}"
    );
    let account = json!({"kind": "digital", "provider": "paypal", "handle_kind": "email", "handle": "ada@example.com"});
    let accounts: Vec<Value> = (0..2)
        .map(|_| {
            invoke(
                w,
                "add_payment_account",
                json!({"customer_id": first["id"], "input": account, "idempotency_key": "a-1"}),
            )
            .unwrap()
        })
        .collect();
    assert_eq!(accounts[0]["id"], accounts[1]["id"]);
    for (command, input) in [
        (
            "add_request",
            json!({"customer_id": first["id"], "amount": "5", "currency": "EUR"}),
        ),
        ("add_program", json!({"name": "Spring"})),
    ] {
        let made: Vec<Value> = (0..2)
            .map(|_| {
                invoke(
                    w,
                    command,
                    json!({"input": input, "idempotency_key": command}),
                )
                .unwrap()
            })
            .collect();
        assert_eq!(made[0]["id"], made[1]["id"], "{command}");
    }
}

#[test]
fn a_payout_is_made_through_the_commands() {
    let h = harness();
    let w = &h.window;
    let customer = invoke(
        w,
        "add_customer",
        json!({"input": {"username": "ada", "display_name": "Ada L", "email": "ada@example.com"}}),
    )
    .unwrap();
    let id = customer["id"].clone();
    assert_eq!(customer["number"], "CU-000001");
    let account = invoke(w, "add_payment_account", json!({"customer_id": id, "input": {"kind": "digital", "provider": "paypal", "handle_kind": "email", "handle": "ada@example.com"}})).unwrap();
    assert_eq!(account["masked"], "PayPal · a•••@example.com");
    let request = invoke(
        w,
        "add_request",
        json!({"input": {"customer_id": id, "amount": "12.5", "currency": "usd"}}),
    )
    .unwrap();
    assert_eq!(
        request["amount"],
        json!({"minor": 1250, "currency": "USD", "text": "12.50"})
    );
    invoke(
        w,
        "decide_request",
        json!({"id": request["id"], "decision": "approve", "note": ""}),
    )
    .unwrap();
    let payout = invoke(
        w,
        "create_payout",
        json!({"input": {"request_id": request["id"], "idempotency_key": "k1"}}),
    )
    .unwrap();
    assert_eq!(payout["status"], "pending");
    let page = invoke(
        w,
        "list_payouts",
        json!({"query": {"page": 1, "page_size": 10, "sort": "newest_first"}}),
    )
    .unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["number"], payout["number"]);
    let history = invoke(w, "payout_history", json!({"id": payout["id"]})).unwrap();
    assert_eq!(history[0]["actor"], "Tester");

    let found = invoke(
        w,
        "list_payouts",
        json!({"query": {"page": 1, "page_size": 10, "search": "ada", "statuses": ["pending"], "currency": "USD"}}),
    )
    .unwrap();
    assert_eq!(
        (found["total"].clone(), found["total_exact"].clone()),
        (json!(1), json!(true))
    );
    let moved = invoke(
        w,
        "change_payout_status",
        json!({"id": payout["id"], "change": {"status": "on_process", "external_reference": "PP-1", "note": "sent"}}),
    )
    .unwrap();
    assert_eq!(
        (moved["status"].clone(), moved["external_reference"].clone()),
        (json!("on_process"), json!("PP-1"))
    );
    let bulk = invoke(
        w,
        "bulk_change_status",
        json!({"ids": [payout["id"], 99], "change": {"status": "success"}}),
    )
    .unwrap();
    assert_eq!(bulk["changed"], json!([payout["number"]]));
    assert_eq!(bulk["skipped"][0]["number"], "PO-000099");
    let edited = invoke(
        w,
        "edit_payout",
        json!({"id": payout["id"], "edit": {"description": "Spring", "external_reference": "PP-1"}}),
    )
    .unwrap();
    assert_eq!(edited["description"], "Spring");
    let detail = invoke(w, "payout_detail", json!({"id": payout["id"]})).unwrap();
    assert_eq!(detail["account"][1]["value"], "a•••@example.com");
    assert_eq!(detail["history"][0]["action"], "update");
    assert_eq!(detail["history"][1]["source"], "bulk");
    let revealed = invoke(w, "reveal_payout_account", json!({"id": payout["id"]})).unwrap();
    assert_eq!(revealed[1]["value"], "ada@example.com");
    // Why it failed travels as its snake_case name; a retry names no account to keep this one.
    let failed = invoke(
        w,
        "change_payout_status",
        json!({"id": payout["id"], "change": {"status": "failed", "failure_reason": "account_closed", "note": "returned"}}),
    )
    .unwrap();
    assert_eq!(failed["failure_reason"], "account_closed");
    let retried = invoke(
        w,
        "retry_payout",
        json!({"id": payout["id"], "retry": {"account_id": null}}),
    )
    .unwrap();
    assert_eq!(
        (retried["status"].clone(), retried["failure_reason"].clone()),
        (json!("pending"), json!(null))
    );
}

#[test]
fn customers_accounts_programs_and_sample_data_through_the_commands() {
    let h = harness();
    let w = &h.window;
    let summary = invoke(w, "load_sample_data", json!({})).unwrap();
    assert!(summary["payouts"].as_u64().unwrap() > 0);
    let again = invoke(w, "load_sample_data", json!({})).unwrap_err();
    assert_eq!(again["kind"], "precondition");
    let overview = invoke(w, "customer_overview", json!({"id": 1})).unwrap();
    assert_eq!(overview["customer"]["number"], "CU-000001");
    let account = overview["accounts"][0]["id"].clone();
    let edited = invoke(
        w,
        "edit_customer",
        json!({"id": 1, "input": {"username": "lena", "display_name": "Lena V", "email": ""}}),
    )
    .unwrap();
    assert_eq!(edited["username"], "lena");
    let moved = invoke(w, "edit_payment_account", json!({"id": account, "input": {"kind": "digital", "provider": "wise", "handle_kind": "email", "handle": "lena@example.com"}})).unwrap();
    assert_eq!(moved["masked"], "Wise · l•••@example.com");
    let shown = invoke(w, "reveal_payment_account", json!({"id": account})).unwrap();
    assert_eq!(shown[1]["value"], "lena@example.com");
    let second = invoke(w, "add_payment_account", json!({"customer_id": 1, "input": {"kind": "digital", "provider": "paypal", "handle_kind": "email", "handle": "l2@example.com"}})).unwrap();
    let default = invoke(w, "set_default_account", json!({"id": second["id"]})).unwrap();
    assert_eq!(default["is_default"], true);
    let archived = invoke(w, "archive_payment_account", json!({"id": second["id"]})).unwrap();
    assert_eq!(archived["archived"], true);
    let program = invoke(
        w,
        "add_program",
        json!({"input": {"name": "Winter", "default_reward": "3", "currency": "EUR"}}),
    )
    .unwrap();
    let renamed = invoke(
        w,
        "edit_program",
        json!({"id": program["id"], "input": {"name": "Winter bonus"}}),
    )
    .unwrap();
    assert_eq!(renamed["default_reward"], json!(null));
    invoke(w, "archive_program", json!({"id": program["id"]})).unwrap();
    let active = invoke(w, "list_programs", json!({"include_archived": false})).unwrap();
    assert!(active
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["name"] != "Winter bonus"));
}

#[test]
fn bad_argument_shapes_are_refused_before_the_ledger() {
    let h = harness();
    for (cmd, args) in [
        (
            "decide_request",
            json!({"id": 1, "decision": "maybe", "note": ""}),
        ),
        (
            "list_payouts",
            json!({"query": {"page": "one", "page_size": 10}}),
        ),
        (
            "customer_accounts",
            json!({"customer_id": "1; DROP TABLE payouts"}),
        ),
        (
            "change_payout_status",
            json!({"id": 1, "change": {"status": "paid"}}),
        ),
        (
            "bulk_change_status",
            json!({"ids": "all", "change": {"status": "success"}}),
        ),
        ("pay_all_approved", json!({"description": ["all"]})),
    ] {
        let err = invoke(&h.window, cmd, args).unwrap_err();
        assert!(err.to_string().contains("invalid"), "{cmd}: {err}");
    }
}
