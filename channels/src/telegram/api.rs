//! The few Bot API methods kefu uses, over HTTPS with JSON bodies.

use serde_json::{json, Value};
use std::time::Duration;

/// A failed Bot API call, sorted by what the caller should do.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 429: wait this long.
    #[error("rate limited for {0:?}")]
    RateLimited(Duration),
    /// 5xx or network: try again later.
    #[error("{0}")]
    Transient(String),
    /// 4xx: the request itself is wrong (bad token, chat not found).
    #[error("{0}")]
    Permanent(String),
}

/// A Bot API client for one bot.
#[derive(Clone)]
pub struct BotApi {
    client: reqwest::Client,
    base: String,
}

impl BotApi {
    /// A client for `{api_url}/bot{token}/…`.
    pub fn new(api_url: &str, token: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            // Longer than the long-poll timeout, so a quiet poll is not an error.
            .timeout(Duration::from_secs(super::POLL_TIMEOUT_SECS + 15))
            .build()?;
        Ok(Self {
            client,
            base: format!("{}/bot{token}", api_url.trim_end_matches('/')),
        })
    }

    /// `getMe`: the bot's own user.
    pub async fn get_me(&self) -> Result<Value, ApiError> {
        self.call("getMe", json!({})).await
    }

    /// `getUpdates` from `offset`, waiting up to `timeout` seconds.
    pub async fn get_updates(
        &self,
        offset: Option<i64>,
        timeout: u64,
    ) -> Result<Vec<Value>, ApiError> {
        let mut body = json!({ "timeout": timeout, "allowed_updates": ["message"] });
        if let Some(offset) = offset {
            body["offset"] = json!(offset);
        }
        let result = self.call("getUpdates", body).await?;
        Ok(result.as_array().cloned().unwrap_or_default())
    }

    /// `sendMessage`; returns the new message's id.
    pub async fn send_message(
        &self,
        chat: &str,
        text: &str,
        reply_to: Option<i64>,
    ) -> Result<i64, ApiError> {
        let chat_id: Value = chat
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(chat));
        let mut body = json!({ "chat_id": chat_id, "text": text });
        if let Some(message_id) = reply_to {
            body["reply_parameters"] =
                json!({ "message_id": message_id, "allow_sending_without_reply": true });
        }
        let message = self.call("sendMessage", body).await?;
        message["message_id"]
            .as_i64()
            .ok_or_else(|| ApiError::Transient("sendMessage answered without a message_id".into()))
    }

    async fn call(&self, method: &str, body: Value) -> Result<Value, ApiError> {
        let response = self
            .client
            .post(format!("{}/{method}", self.base))
            .json(&body)
            .send()
            .await
            // The URL holds the token: never put it in an error message.
            .map_err(|e| ApiError::Transient(format!("{method}: {}", e.without_url())))?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() && answer["ok"].as_bool() == Some(true) {
            return Ok(answer["result"].clone());
        }
        let description = answer["description"]
            .as_str()
            .unwrap_or("no description")
            .to_string();
        if status.as_u16() == 429 {
            let after = answer["parameters"]["retry_after"].as_u64().unwrap_or(1);
            Err(ApiError::RateLimited(Duration::from_secs(after)))
        } else if status.is_server_error() || status.as_u16() == 0 {
            Err(ApiError::Transient(format!(
                "{method}: {status} {description}"
            )))
        } else {
            Err(ApiError::Permanent(format!(
                "{method}: {status} {description}"
            )))
        }
    }
}
