//! Media in the Telegram stand-in: customers sending photos, stickers and
//! messages a client library may fail to read, and the bot sending a photo
//! by file id with `sendPhoto` — refused, as Telegram does, for a file id
//! no message in the stand-in carried.

use super::{error, number, State, TelegramStandin};
use serde_json::{json, Map, Value};

impl TelegramStandin {
    /// The customer of private chat `chat` sends a photo (`file_id`) with
    /// `caption` (empty: none); returns the message id.
    pub fn customer_photo(&self, chat: i64, file_id: &str, caption: &str) -> i64 {
        let mut fields = json!({"photo": [
            {"file_id": format!("{file_id}-small"), "file_unique_id": "s", "width": 90, "height": 90, "file_size": 900},
            {"file_id": file_id, "file_unique_id": "b", "width": 800, "height": 800, "file_size": 90_000}]});
        if !caption.is_empty() {
            fields["caption"] = json!(caption);
        }
        self.customer_sends(chat, fields)
    }

    /// The texts the bot sent into `chat`, oldest first (a photo has none:
    /// an empty text).
    pub fn texts_to(&self, chat: i64) -> Vec<String> {
        self.state()
            .sent
            .iter()
            .filter(|m| m["chat"]["id"] == chat)
            .map(|m| m["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// The file ids of the photos the bot sent into `chat` (topic `topic`,
    /// if any), oldest first.
    pub fn photos_sent(&self, chat: i64, topic: Option<i64>) -> Vec<String> {
        self.state()
            .sent
            .iter()
            .filter(|m| m["chat"]["id"] == chat && m["photo"].is_array())
            .filter(|m| topic.is_none_or(|t| m["message_thread_id"] == t))
            .filter_map(|m| m["photo"][0]["file_id"].as_str().map(str::to_string))
            .collect()
    }
}

impl State {
    pub(super) fn send_photo(&mut self, params: &Map<String, Value>) -> (u16, Value) {
        let Some(chat) = number(params.get("chat_id")) else {
            return error(400, "Bad Request: chat not found");
        };
        let mut file = params
            .get("photo")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // An upload is named `attach://<part>`, the file in that part.
        if let Some(part) = file.strip_prefix("attach://") {
            file = params.get(part).and_then(Value::as_str).unwrap_or_default();
        }
        let known = self.messages.iter().any(|m| {
            m["photo"]
                .as_array()
                .is_some_and(|sizes| sizes.iter().any(|s| s["file_id"] == file))
        });
        if !known && !file.starts_with("upload:") {
            return error(400, "Bad Request: wrong file identifier/HTTP URL specified");
        }
        let topic = number(params.get("message_thread_id"));
        if let Some(refusal) = self.check_topic(chat, topic) {
            return refusal;
        }
        let photo = json!([{"file_id": file, "file_unique_id": "b", "width": 800, "height": 800}]);
        let message = self.bot_message(chat, topic, "photo", photo);
        self.messages.push(message.clone());
        self.sent.push(message.clone());
        (200, json!({"ok": true, "result": message}))
    }
}
