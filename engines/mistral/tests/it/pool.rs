//! kefu's mistralrs-core runs the engine on one of rayon's global workers
//! (so the model's parallel loops start on it) whenever the pool has another
//! worker to spare. Whatever the pool's size, the engine must answer and the
//! rest of the process must still get rayon work done while the engine
//! holds its worker.

use crate::options;
use kefu_engine::{ChatRequest, Engine, PromptMessage, PromptRole};
use kefu_engine_mistral::MistralEngine;
use rayon::prelude::*;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

/// Set in the child process that runs with a one-thread pool.
const CHILD: &str = "KEFU_TEST_ENGINE_POOL_CHILD";

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![PromptMessage {
            role: PromptRole::User,
            content: "Say hello to a customer.".to_string(),
        }],
        max_tokens: 8,
        temperature: 0.0,
        json_schema: None,
    }
}

/// A parallel sum started from a thread outside the pool, given a minute.
fn outside_rayon_work_finishes() -> bool {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let sum: u64 = (0..100_000u64).into_par_iter().sum();
        let _ = tx.send(sum);
    });
    rx.recv_timeout(Duration::from_secs(60)) == Ok(4_999_950_000)
}

/// Loads the engine, asks it twice with rayon work from elsewhere between.
async fn engine_and_rayon_share_the_pool() {
    let engine = MistralEngine::load(&options())
        .await
        .expect("the default model (scripts/fetch-model)");
    let first = engine.chat(request()).await.unwrap();
    assert!(first.completion_tokens > 0, "{first:?}");
    assert!(
        outside_rayon_work_finishes(),
        "rayon work outside the engine hung with {} pool thread(s)",
        rayon::current_num_threads()
    );
    let second = engine.chat(request()).await.unwrap();
    assert_eq!(second.text, first.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_and_rayon_share_the_default_pool() {
    if std::env::var_os(CHILD).is_some() {
        return; // the child below runs only its own test
    }
    engine_and_rayon_share_the_pool().await;
}

#[test]
fn engine_and_rayon_share_a_one_thread_pool() {
    if std::env::var_os(CHILD).is_some() {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(engine_and_rayon_share_the_pool());
        assert_eq!(rayon::current_num_threads(), 1);
        return;
    }
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "pool::engine_and_rayon_share_a_one_thread_pool"])
        .env(CHILD, "1")
        .env("RAYON_NUM_THREADS", "1")
        .status()
        .unwrap();
    assert!(status.success(), "the one-thread child failed: {status}");
}
