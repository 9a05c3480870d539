//! Reading with the model, through the OpenAI-compatible engine and a local
//! stand-in server (the embedded model's reading is scored by `kefu eval`):
//! the reading request carries the shop's choices as a JSON schema with
//! the static instructions first, the model's frame answers what the rules
//! could not read, an answer that is no frame of this shop leaves the
//! rules' reading, and `llm.read = "never"` never asks the model to read.

use support::openai::OpenAiStandIn;
use support::{assert_success, json_lines, Sandbox};

/// The model's frame for a FAQ entry.
fn faq_frame(id: &str) -> String {
    serde_json::json!({"topic": "general_question", "faq": id, "product": "none", "property": "none", "need": "none", "action": "none"})
        .to_string()
}

/// Chat through the stand-in with `llm.read` set; templates phrase.
async fn chat_reading(server: &OpenAiStandIn, read: &str, input: &str) -> std::process::Output {
    let (base_url, read, input) = (server.base_url.clone(), read.to_string(), input.to_string());
    tokio::task::spawn_blocking(move || {
        Sandbox::new().chat(
            &["--json", "--session", "reading"],
            &input,
            &[
                ("KEFU__LLM__ENGINE", "openai"),
                ("KEFU__LLM__BASE_URL", &base_url),
                ("KEFU__LLM__MODEL_NAME", "served-model"),
                ("KEFU__LLM__MODEL", "/nonexistent/model.gguf"),
                ("KEFU__LLM__PHRASE", "never"),
                ("KEFU__LLM__READ", &read),
            ],
        )
    })
    .await
    .unwrap()
}

fn readings(server: &OpenAiStandIn) -> Vec<serde_json::Value> {
    server
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.body.get("response_format").is_some())
        .map(|r| r.body.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn what_the_rules_cannot_read_is_answered_from_the_models_frame() {
    let server =
        OpenAiStandIn::start_reading("unused", &faq_frame("faq-international-shipping"), 0).await;
    // No FAQ word the rules know: "send … down under".
    let output = chat_reading(
        &server,
        "always",
        "mate any chance u send stuff down under\n",
    )
    .await;
    assert_success(&output);
    let replies = json_lines(&output);
    assert_eq!(replies.len(), 1, "{replies:?}");
    let reply = replies[0]["reply"].as_str().unwrap();
    assert!(
        reply.contains("Singapore"),
        "not the shipping answer: {reply}"
    );

    let readings = readings(&server);
    assert_eq!(readings.len(), 1, "one reading per message");
    let schema = &readings[0]["response_format"]["json_schema"]["schema"];
    let faq_ids = schema["properties"]["faq"]["enum"].as_array().unwrap();
    assert!(faq_ids.iter().any(|v| v == "faq-international-shipping"));
    assert!(faq_ids.iter().any(|v| v == "none"));
    let products = schema["properties"]["product"]["enum"].as_array().unwrap();
    assert!(products.iter().any(|v| v == "Camping Tent"), "{products:?}");
    let messages = readings[0]["messages"].as_array().unwrap();
    // The shop's choices first (the same for every message: the prefix
    // cache keeps them), the customer's words last.
    assert_eq!(messages[0]["role"], "system");
    assert!(messages[0]["content"]
        .as_str()
        .unwrap()
        .contains("faq-return-window"));
    assert!(!messages[0]["content"]
        .as_str()
        .unwrap()
        .contains("down under"));
    assert_eq!(
        messages.last().unwrap()["content"],
        "mate any chance u send stuff down under"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_that_is_no_frame_of_this_shop_leaves_the_rules_reading() {
    // An id the shop does not have: not a frame.
    let server = OpenAiStandIn::start_reading("unused", &faq_frame("faq-free-ponies"), 0).await;
    let output = chat_reading(&server, "always", "is the tent waterproof?\n").await;
    assert_success(&output);
    let replies = json_lines(&output);
    let reply = replies[0]["reply"].as_str().unwrap();
    // The rules' reading: a question about the tent the catalogue does
    // not answer — said so, never invented.
    assert!(reply.contains("does not say"), "{reply}");
    assert!(reply.contains("Camping Tent"), "{reply}");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_read_never_the_model_is_never_asked_to_read() {
    let server =
        OpenAiStandIn::start_reading("unused", &faq_frame("faq-international-shipping"), 0).await;
    let output = chat_reading(
        &server,
        "never",
        "mate any chance u send stuff down under\n",
    )
    .await;
    assert_success(&output);
    assert!(readings(&server).is_empty(), "the model was asked to read");
    let replies = json_lines(&output);
    assert!(
        !replies[0]["reply"].as_str().unwrap().contains("Singapore"),
        "the rules alone cannot have read this: {}",
        replies[0]
    );
}
