//! The OpenAI-compatible engine against a local stand-in server: the reply
//! comes from the server, the request carries the prompt, key and limits,
//! the key never reaches the output, and a failing server gets the
//! template's fallback instead of silence.

use support::openai as openai_stand_in;

use openai_stand_in::OpenAiStandIn;
use support::{assert_success, json_lines, Sandbox};

const KEY: &str = "sk-test-5f1c9e";

/// Chat through the stand-in at `base_url` (blocking, so run it off the
/// runtime that serves the stand-in).
async fn chat_via(base_url: &str, input: &str) -> std::process::Output {
    let (base_url, input) = (base_url.to_string(), input.to_string());
    tokio::task::spawn_blocking(move || chat_blocking(&base_url, &input))
        .await
        .unwrap()
}

fn chat_blocking(base_url: &str, input: &str) -> std::process::Output {
    let sandbox = Sandbox::new();
    sandbox.chat(
        &["--json", "--session", "http"],
        input,
        &[
            ("KEFU__LLM__ENGINE", "openai"),
            ("KEFU__LLM__BASE_URL", base_url),
            ("KEFU__LLM__API_KEY", KEY),
            ("KEFU__LLM__MODEL_NAME", "served-model"),
            ("KEFU__LLM__MODEL", "/nonexistent/model.gguf"),
            ("RUST_LOG", "debug"),
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_come_from_the_http_engine() {
    let server = OpenAiStandIn::start("Hello! How can I help you today?", 0).await;
    let output = chat_via(&server.base_url, "Hi there\n").await;
    assert_success(&output);
    let replies = json_lines(&output);
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0]["reply"], "Hello! How can I help you today?");
    assert_eq!(replies[0]["guard"]["source"], "llm", "{}", replies[0]);

    let requests = server.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(
        request.authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(request.body["model"], "served-model");
    assert_eq!(request.body["max_tokens"], 24);
    let messages = request.body["messages"].as_array().unwrap();
    assert_eq!(messages.first().unwrap()["role"], "system");
    assert_eq!(messages.last().unwrap()["role"], "user");
    assert_eq!(messages.last().unwrap()["content"], "Hi there");

    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!all.contains(KEY), "the API key leaked into the output");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_server_gets_the_fallback_reply() {
    let server = OpenAiStandIn::start("unused", 100).await;
    let output = chat_via(&server.base_url, "Hi there\n").await;
    assert_success(&output);
    let replies = json_lines(&output);
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0]["guard"]["source"], "fallback", "{}", replies[0]);
    assert!(!replies[0]["reply"].as_str().unwrap().is_empty());
    assert!(
        !server.requests.lock().unwrap().is_empty(),
        "kefu never called the server"
    );
}

#[test]
fn a_bad_base_url_is_a_clear_error() {
    let sandbox = Sandbox::new();
    let output = sandbox.chat(
        &[],
        "Hi\n",
        &[
            ("KEFU__LLM__ENGINE", "openai"),
            ("KEFU__LLM__BASE_URL", "gpu-box:8000"),
            ("KEFU__LLM__MODEL_NAME", "m"),
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("llm.base_url"), "{stderr}");
}

#[test]
fn a_model_request_that_never_returns_yields_the_template_within_the_timeout() {
    // A server that takes the request and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let sandbox = Sandbox::new();
    let started = std::time::Instant::now();
    let output = sandbox.chat(
        &["--json", "--session", "wedged"],
        "Do you ship to Canada?\n",
        &[
            ("KEFU__LLM__ENGINE", "openai"),
            ("KEFU__LLM__BASE_URL", &base_url),
            ("KEFU__LLM__MODEL_NAME", "served-model"),
            ("KEFU__LLM__TIMEOUT_SECS", "2"),
            ("KEFU__LLM__NLU_FALLBACK", "false"),
        ],
    );
    let elapsed = started.elapsed();
    assert_success(&output);
    let replies = json_lines(&output);
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert!(replies[0]["reply"].as_str().unwrap().contains("Canada"));
    assert_eq!(replies[0]["guard"]["source"], "fallback");
    assert!(
        replies[0]["llm"]["error"]
            .as_str()
            .unwrap()
            .contains("no answer within 2 s"),
        "{}",
        replies[0]
    );
    assert!(elapsed < std::time::Duration::from_secs(20), "{elapsed:?}");
}
