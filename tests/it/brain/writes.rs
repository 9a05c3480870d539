//! A turn's records are written with the turn: a turn that never commits
//! (a crash between deciding and storing) leaves no linked identity and no
//! profile behind; the retried turn writes them once.

use super::{shop, LIAM};
use crate::OpenStore;
use support::{assert_success, json_lines};

#[test]
fn a_turn_that_never_commits_leaves_no_identity_or_profile() {
    let sandbox = shop();
    let args = ["--json", "--session", "w", "--user", "ann"];
    let crashed = sandbox.chat(
        &args,
        &format!("where is my order #W8488728? {LIAM}\n"),
        &[("KEFU_FAILPOINT", "before_commit")],
    );
    assert!(!crashed.status.success(), "the failpoint should abort kefu");
    {
        let store = sandbox.store();
        let customers = store.customers();
        assert_eq!(linked(&customers), None);
        assert!(kefu::shop::profile::load(&customers, "liam_thomas_7882").is_none());
    }
    // The next start answers the stored message; the records come with it.
    let resumed = sandbox.chat(&args, "", &[]);
    assert_success(&resumed);
    let replies = json_lines(&resumed);
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0]["step"], "order_status", "{replies:?}");
    let store = sandbox.store();
    let customers = store.customers();
    assert_eq!(linked(&customers).as_deref(), Some("liam_thomas_7882"));
    let profile = kefu::shop::profile::load(&customers, "liam_thomas_7882").unwrap();
    assert_eq!(profile.identities, ["console:ann"]);
}

fn linked(customers: &kefu::store::Customers) -> Option<String> {
    let now = kefu_channels::now_millis();
    kefu::verify::links::linked(customers, "console:ann", now).map(|link| link.customer)
}
