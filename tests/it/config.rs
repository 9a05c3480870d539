//! Configuration errors are one line naming the key, with exit code 2; a
//! bad model path is named before anything starts.

use std::process::Output;
use support::Sandbox;

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn check_with_file(toml: &str) -> Output {
    let sandbox = Sandbox::new();
    let file = sandbox.dir.path().join("kefu.toml");
    std::fs::write(&file, toml).unwrap();
    sandbox
        .kefu(&["--config", file.to_str().unwrap(), "config", "check"])
        .output()
        .unwrap()
}

fn assert_config_error(output: &Output, key: &str) {
    let err = stderr(output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit code 2 expected; stderr: {err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line expected: {err}");
    assert!(err.contains(key), "the error should name `{key}`: {err}");
}

#[test]
fn wrong_type_names_the_key() {
    // (not max_tokens: the sandbox sets that one in the environment, which wins)
    assert_config_error(
        &check_with_file("[llm]\nhistory_turns = \"lots\"\n"),
        "llm.history_turns",
    );
}

#[test]
fn unknown_key_names_the_key() {
    assert_config_error(
        &check_with_file("[llm]\nmax_tokenz = 10\n"),
        "llm.max_tokenz",
    );
    assert_config_error(
        &check_with_file("[telegramm]\nenabled = true\n"),
        "telegramm",
    );
}

#[test]
fn missing_required_value_names_the_key() {
    assert_config_error(
        &check_with_file("[telegram]\nenabled = true\n"),
        "telegram.token",
    );
    assert_config_error(
        &check_with_file("[email]\nenabled = true\n"),
        "email.address",
    );
}

#[test]
fn invalid_value_from_the_environment_names_the_key() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .kefu(&["config", "check"])
        .env("KEFU__LLM__TEMPERATURE", "hot")
        .output()
        .unwrap();
    assert_config_error(&output, "llm.temperature");
    let output = sandbox
        .kefu(&["config", "check"])
        .env("KEFU__LLM__TEMPERATURE", "7")
        .output()
        .unwrap();
    assert_config_error(&output, "llm.temperature");
}

#[test]
fn activation_dtype_is_checked_and_printed() {
    let output = check_with_file("[llm]\ndtype = \"f8\"\n");
    assert_config_error(&output, "llm.dtype");
    let output = check_with_file("[llm]\ndtype = \"f32\"\n");
    assert!(output.status.success(), "{}", stderr(&output));
    let parsed: toml::Table = String::from_utf8_lossy(&output.stdout).parse().unwrap();
    assert_eq!(parsed["llm"]["dtype"].as_str(), Some("f32"));
    let output = check_with_file("");
    let parsed: toml::Table = String::from_utf8_lossy(&output.stdout).parse().unwrap();
    assert_eq!(parsed["llm"]["dtype"].as_str(), Some("auto"), "the default");
}

#[test]
fn a_paged_kv_cache_too_small_for_one_prompt_is_refused() {
    let output = check_with_file("[llm]\nkv_cache_tokens = 100\n");
    assert_config_error(&output, "llm.kv_cache_tokens");
    // Without paged attention the size is unused, so any value passes.
    let output = check_with_file("[llm]\npaged_attention = false\nkv_cache_tokens = 100\n");
    assert!(output.status.success(), "{}", stderr(&output));
    let output = check_with_file("");
    let parsed: toml::Table = String::from_utf8_lossy(&output.stdout).parse().unwrap();
    assert_eq!(
        parsed["llm"]["paged_attention"].as_bool(),
        Some(true),
        "the default"
    );
    assert_eq!(parsed["llm"]["kv_cache_tokens"].as_integer(), Some(8192));
}

#[test]
fn syntax_error_names_the_file() {
    let output = check_with_file("[llm\nmodel = 1\n");
    assert_config_error(&output, "kefu.toml");
}

#[test]
fn missing_config_file_is_a_config_error() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .kefu(&["--config", "/nonexistent/kefu.toml", "config", "check"])
        .output()
        .unwrap();
    assert_config_error(&output, "/nonexistent/kefu.toml");
}

#[test]
fn config_check_prints_the_effective_config_with_secrets_masked() {
    let sandbox = Sandbox::new();
    let file = sandbox.dir.path().join("kefu.toml");
    std::fs::write(
        &file,
        "[telegram]\nenabled = true\napi_url = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    let output = sandbox
        .kefu(&["--config", file.to_str().unwrap(), "config", "check"])
        .env("KEFU__TELEGRAM__TOKEN", "123456:very-secret-token")
        .env("KEFU__LLM__MAX_TOKENS", "99")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = String::from_utf8_lossy(&output.stdout);
    let parsed: toml::Table = printed.parse().expect("config check prints TOML");
    assert_eq!(
        parsed["llm"]["max_tokens"].as_integer(),
        Some(99),
        "env overrides the file"
    );
    assert_eq!(parsed["telegram"]["enabled"].as_bool(), Some(true));
    assert_eq!(parsed["telegram"]["token"].as_str(), Some("***"));
    assert_eq!(
        parsed["telegram"]["api_url"].as_str(),
        Some("http://127.0.0.1:9")
    );
    assert!(!printed.contains("very-secret-token"));
}

#[test]
fn default_config_file_in_the_working_directory_is_used() {
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.dir.path().join("kefu.toml"),
        "[shop]\nname = \"Teapot Corner\"\n",
    )
    .unwrap();
    let output = sandbox.kefu(&["config", "check"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Teapot Corner"));
}

#[test]
fn missing_model_is_named_before_anything_starts() {
    let sandbox = Sandbox::new();
    let output = sandbox.chat(
        &[],
        "hello\n",
        &[("KEFU__LLM__MODEL", "/nowhere/model.gguf")],
    );
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("/nowhere/model.gguf"), "{err}");
    assert!(
        err.contains("scripts/fetch-model"),
        "the error should say what to do: {err}"
    );
    assert!(
        !sandbox.state().exists(),
        "nothing should start (no state created)"
    );
}

#[test]
fn a_file_that_is_not_gguf_is_named() {
    let sandbox = Sandbox::new();
    let fake = sandbox.dir.path().join("model.gguf");
    std::fs::write(&fake, b"<html>not a model</html>").unwrap();
    let output = sandbox.chat(
        &[],
        "hello\n",
        &[("KEFU__LLM__MODEL", fake.to_str().unwrap())],
    );
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("not a GGUF file") && err.contains("model.gguf"),
        "{err}"
    );
}

#[test]
fn a_store_with_another_schema_version_is_a_clear_error() {
    let sandbox = Sandbox::new();
    {
        let db = sled::open(sandbox.state()).unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert("schema_version", "999")
            .unwrap();
        db.flush().unwrap();
    }
    let output = sandbox.chat(&[], "hello\n", &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("schema version 999"), "{err}");
}
