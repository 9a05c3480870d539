//! A stand-in for an OpenAI-compatible server (`POST /v1/chat/completions`),
//! on 127.0.0.1: answers with a fixed reply (another for requests under a
//! JSON schema, as readings are) and records every request, so a
//! test can check what kefu sent (model, messages, key, limits).

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One request the stand-in received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Request path, e.g. `/v1/chat/completions`.
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The JSON body.
    pub body: serde_json::Value,
}

/// A running stand-in.
pub struct OpenAiStandIn {
    /// `http://127.0.0.1:PORT/v1`
    pub base_url: String,
    /// What it received so far.
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl OpenAiStandIn {
    /// Start on a free port; every completion answers `reply`, or, while
    /// `failures` lasts, HTTP 500.
    pub async fn start(reply: &str, failures: usize) -> Self {
        Self::start_reading(reply, reply, failures).await
    }

    /// Like [`OpenAiStandIn::start`], but a request constrained to a JSON
    /// schema (`response_format`, as a reading is) answers `reading`.
    pub async fn start_reading(reply: &str, reading: &str, failures: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let failures = Arc::new(Mutex::new(failures));
        let (seen, reply, reading) = (requests.clone(), reply.to_string(), reading.to_string());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, reply, reading, failures) = (
                    seen.clone(),
                    reply.clone(),
                    reading.clone(),
                    failures.clone(),
                );
                tokio::spawn(async move {
                    let mut reader = BufReader::new(stream);
                    let mut line = String::new();
                    reader.read_line(&mut line).await.ok();
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                    let (mut length, mut authorization) = (0usize, None);
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).await.unwrap_or(0) == 0
                            || header.trim().is_empty()
                        {
                            break;
                        }
                        let (name, value) = header.split_once(':').unwrap_or((&header, ""));
                        match name.trim().to_ascii_lowercase().as_str() {
                            "content-length" => length = value.trim().parse().unwrap_or(0),
                            "authorization" => authorization = Some(value.trim().to_string()),
                            _ => {}
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).await.ok();
                    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                    let reply = if body.get("response_format").is_some() {
                        reading
                    } else {
                        reply
                    };
                    seen.lock().unwrap().push(Recorded {
                        path: path.clone(),
                        authorization,
                        body,
                    });
                    let fail = {
                        let mut left = failures.lock().unwrap();
                        let fail = *left > 0;
                        *left = left.saturating_sub(1);
                        fail
                    };
                    let (status, answer) = if path != "/v1/chat/completions" {
                        (
                            "404 Not Found",
                            serde_json::json!({"error": {"message": "no such route"}}),
                        )
                    } else if fail {
                        (
                            "500 Internal Server Error",
                            serde_json::json!({"error": {"message": "overloaded"}}),
                        )
                    } else {
                        (
                            "200 OK",
                            serde_json::json!({
                                "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "served",
                                "choices": [{"index": 0, "finish_reason": "stop",
                                             "message": {"role": "assistant", "content": reply}}],
                                "usage": {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49}
                            }),
                        )
                    };
                    let answer = answer.to_string();
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        answer.len()
                    );
                    let mut stream = reader.into_inner();
                    stream.write_all(head.as_bytes()).await.ok();
                    stream.write_all(answer.as_bytes()).await.ok();
                    stream.shutdown().await.ok();
                });
            }
        });
        Self {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            requests,
        }
    }
}
