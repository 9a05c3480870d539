//! NLU accuracy through `kefu eval` (rules only, no model loaded): on the
//! labeled set and on a held-out set written after the rules were tuned.

use support::{assert_success, Sandbox};

fn eval(file: &str) -> serde_json::Value {
    let sandbox = Sandbox::new();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let out = sandbox
        .kefu(&["eval", "--json", path.to_str().unwrap()])
        .env("KEFU__LLM__MODEL", "/nonexistent.gguf")
        .output()
        .unwrap();
    assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn intent_accuracy_on_the_labeled_set_is_at_least_90_percent() {
    let report = eval("nlu.jsonl");
    eprintln!("nlu.jsonl: {report}");
    assert!(report["messages"].as_u64().unwrap() >= 300);
    assert!(
        report["intent_accuracy"].as_f64().unwrap() >= 0.90,
        "{report}"
    );
    assert!(report["entity_f1"].as_f64().unwrap() >= 0.80, "{report}");
    assert_eq!(report["per_intent"].as_object().unwrap().len(), 13);
}

#[test]
fn intent_accuracy_holds_on_held_out_messages() {
    let report = eval("nlu-holdout.jsonl");
    eprintln!("nlu-holdout.jsonl: {report}");
    assert!(
        report["intent_accuracy"].as_f64().unwrap() >= 0.80,
        "{report}"
    );
}

#[test]
fn a_malformed_line_is_named() {
    let sandbox = Sandbox::new();
    let file = sandbox.dir.path().join("bad.jsonl");
    std::fs::write(
        &file,
        "{\"text\": \"hi\", \"intent\": \"greeting\", \"entities\": {}}\n{not json\n",
    )
    .unwrap();
    let out = sandbox
        .kefu(&["eval", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.jsonl:2"), "{stderr}");
}
