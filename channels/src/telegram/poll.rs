//! `getUpdates` with the raw JSON kept: teloxide turns an update it cannot
//! read (a message kind it does not know, a field of an unexpected type)
//! into an empty `UpdateKind::Error`, losing who wrote where; with the raw
//! update kefu still answers that person ([`super::convert::from_raw`]).

use super::{convert, TelegramChannel, MAX_POLL_BACKOFF, POLL_TIMEOUT_SECS};
use std::time::Duration;
use teloxide::requests::Requester as _;
use teloxide::types::{Update, UpdateKind};
use teloxide::Bot;

impl TelegramChannel {
    /// One long poll from `offset`; `None` when it is to be tried again
    /// (after Telegram's wait, or `backoff`, which doubles). A refused
    /// token ends the channel.
    pub(super) async fn poll(
        &self,
        offset: Option<i32>,
        backoff: &mut Duration,
    ) -> anyhow::Result<Option<Vec<(Update, serde_json::Value)>>> {
        match get_updates(&self.bot, offset, POLL_TIMEOUT_SECS).await {
            Ok(updates) => {
                *backoff = Duration::from_secs(1);
                self.connected
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(Some(updates))
            }
            Err(PollError::RetryAfter(after)) => {
                tokio::time::sleep(after).await;
                Ok(None)
            }
            Err(PollError::InvalidToken) => {
                anyhow::bail!("telegram: the bot token was refused (getUpdates)")
            }
            Err(PollError::Other(e)) => {
                // Also a 409: another poller (a second kefu with this
                // token, or a webhook) — retried slowly, never hot.
                tracing::warn!(
                    "telegram: getUpdates failed ({}); retrying in {backoff:?}",
                    e.replace(&self.token, "<token>")
                );
                tokio::time::sleep(*backoff).await;
                *backoff = (*backoff * 2).min(MAX_POLL_BACKOFF);
                Ok(None)
            }
        }
    }

    /// What follows once an update's message is stored: a button's
    /// spinner stopped, an unreadable update set aside.
    pub(super) async fn stored(&self, update: &Update, raw: &serde_json::Value) {
        match &update.kind {
            // Stored: stop the button's spinner (best effort; the answer is
            // recorded either way).
            UpdateKind::CallbackQuery(query) => {
                if let Err(e) = self.bot.answer_callback_query(query.id.clone()).await {
                    tracing::debug!("telegram: answerCallbackQuery failed: {}", self.redact(&e));
                }
            }
            // Its raw JSON holds names and text: kept in the store for a
            // person to look at, never logged.
            UpdateKind::Error(_) => {
                let key = format!("telegram:unreadable:{}", update.id.0);
                let kept = self.cursors.save(&key, &raw.to_string()).is_ok();
                tracing::warn!(
                    update = update.id.0,
                    kind = %convert::raw_kind(raw),
                    kept,
                    answered = convert::from_raw(raw).is_some(),
                    "telegram: an update teloxide cannot read was set aside"
                );
            }
            _ => {}
        }
    }
}

/// Why a poll failed.
#[derive(Debug)]
pub enum PollError {
    /// 429: wait this long.
    RetryAfter(std::time::Duration),
    /// 401: the token was refused.
    InvalidToken,
    /// Anything else (the network, a 409 from another poller, a 5xx).
    Other(String),
}

/// The updates after `offset` (long poll of `timeout` seconds), each typed
/// and raw.
pub async fn get_updates(
    bot: &Bot,
    offset: Option<i32>,
    timeout: u32,
) -> Result<Vec<(Update, serde_json::Value)>, PollError> {
    // As teloxide builds its method URLs.
    let url = bot
        .api_url()
        .join(&format!("/bot{}/getUpdates", bot.token()))
        .map_err(|e| PollError::Other(format!("telegram.api_url: {e}")))?;
    let mut body = serde_json::json!({
        "timeout": timeout,
        "allowed_updates": ["message", "callback_query"],
    });
    if let Some(offset) = offset {
        body["offset"] = offset.into();
    }
    let answer = bot
        .client()
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        // The long poll's own wait, and time to answer.
        .timeout(std::time::Duration::from_secs(u64::from(timeout) + 15))
        .send()
        .await
        .map_err(|e| PollError::Other(e.without_url().to_string()))?;
    let bytes = answer
        .bytes()
        .await
        .map_err(|e| PollError::Other(e.without_url().to_string()))?;
    let reply: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| PollError::Other(format!("the answer is not JSON: {e}")))?;
    if reply["ok"] != true {
        let description = reply["description"].as_str().unwrap_or("no description");
        return Err(match reply["error_code"].as_i64() {
            Some(429) => PollError::RetryAfter(std::time::Duration::from_secs(
                reply["parameters"]["retry_after"].as_u64().unwrap_or(1),
            )),
            Some(401) | Some(404) => PollError::InvalidToken,
            code => PollError::Other(format!("{} {description}", code.unwrap_or(0))),
        });
    }
    let raw = reply["result"].as_array().cloned().unwrap_or_default();
    Ok(raw
        .into_iter()
        .filter_map(|value| {
            // From text, not from the `Value`: teloxide's reader of an
            // update's kind needs borrowed keys, which a `Value` cannot
            // lend (every update would read as an error). An update
            // without even an id cannot be acknowledged: skipped.
            let update = serde_json::from_str::<Update>(&value.to_string()).ok()?;
            Some((update, value))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use teloxide::types::{Update, UpdateKind};

    #[test]
    fn a_raw_update_reads_as_teloxide_reads_the_wire() {
        let raw = serde_json::json!({"update_id": 5, "message": {"message_id": 1,
            "date": 1_700_000_000, "chat": {"id": 7, "type": "private", "first_name": "A"},
            "from": {"id": 7, "is_bot": false, "first_name": "A"}, "text": "hi"}});
        let update: Update = serde_json::from_str(&raw.to_string()).unwrap();
        assert!(matches!(update.kind, UpdateKind::Message(_)));
        let broken = serde_json::json!({"update_id": 6, "message": {"message_id": 2,
            "date": 1_700_000_000, "chat": {"id": 7, "type": "private", "first_name": "A"},
            "from": {"id": 7, "is_bot": false, "first_name": "A"}, "text": {"x": 1}}});
        // teloxide reads it as a message with nothing kefu knows in it: the
        // raw update is what answers this person.
        let update: Update = serde_json::from_str(&broken.to_string()).unwrap();
        let UpdateKind::Message(message) = &update.kind else {
            panic!("{:?}", update.kind);
        };
        assert!(super::super::convert::inbound(message).is_none());
        assert!(super::super::convert::from_raw(&broken).is_some());
    }
}
