//! Forum supergroups in the Telegram stand-in: topics made by
//! `createForumTopic` (the bot must be in a forum; the topic's id is the id
//! of the service message that opens it, as on Telegram), messages sent
//! into a topic that no longer exists refused with "Bad Request: message
//! thread not found", topics deleted by a test as an operator would, and
//! operators writing in a topic.

use super::{error, number, State, TelegramStandin};
use serde_json::{json, Map, Value};

impl TelegramStandin {
    /// Make `chat` a forum supergroup (topics on, the bot an admin).
    pub fn make_forum(&self, chat: i64) {
        self.state().forums.entry(chat).or_default();
    }

    /// Delete a topic, as an operator would in the Telegram app.
    pub fn delete_topic(&self, chat: i64, topic: i64) {
        if let Some(forum) = self.state().forums.get_mut(&chat) {
            forum.remove(&topic);
        }
    }

    /// User `user` writes `text` in topic `topic` of forum `chat`; returns
    /// the message id.
    pub fn topic_says(&self, chat: i64, topic: i64, user: i64, name: &str, text: &str) -> i64 {
        let title = format!("forum {chat}");
        self.customer_sends(
            chat,
            json!({
                "text": text,
                "message_thread_id": topic,
                "is_topic_message": true,
                "chat": {"id": chat, "type": "supergroup", "title": title, "is_forum": true},
                "from": {"id": user, "is_bot": false, "first_name": name, "language_code": "en"},
            }),
        )
    }

    /// Messages the bot sent into topic `topic` of `chat`, oldest first.
    pub fn topic_messages(&self, chat: i64, topic: i64) -> Vec<String> {
        self.state()
            .sent
            .iter()
            .filter(|m| m["chat"]["id"] == chat && m["message_thread_id"] == topic)
            .map(|m| m["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

impl State {
    pub(super) fn create_forum_topic(&mut self, params: &Map<String, Value>) -> (u16, Value) {
        let Some(chat) = number(params.get("chat_id")) else {
            return error(400, "Bad Request: chat not found");
        };
        let name = params
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if name.is_empty() || name.chars().count() > 128 {
            return error(400, "Bad Request: TOPIC_NAME_INVALID");
        }
        if !self.forums.contains_key(&chat) {
            return error(400, "Bad Request: the chat is not a forum");
        }
        // The topic is opened by a service message; its id is the topic's.
        let id = self.next_message;
        self.next_message += 1;
        self.forums.get_mut(&chat).unwrap().insert(id, name.clone());
        self.topics_created.push((chat, id));
        (
            200,
            json!({"ok": true, "result": {"message_thread_id": id, "name": name,
                "icon_color": 7322096}}),
        )
    }

    /// A `sendMessage` into a forum must name a topic that exists (none:
    /// the General topic).
    pub(super) fn check_topic(&self, chat: i64, topic: Option<i64>) -> Option<(u16, Value)> {
        let forum = self.forums.get(&chat)?;
        match topic {
            Some(topic) if !forum.contains_key(&topic) => {
                Some(error(400, "Bad Request: message thread not found"))
            }
            _ => None,
        }
    }

    /// The `chat` object of a message in `chat`.
    pub(super) fn chat_object(&self, chat: i64) -> Value {
        if self.forums.contains_key(&chat) {
            json!({"id": chat, "type": "supergroup", "title": format!("forum {chat}"), "is_forum": true})
        } else {
            json!({"id": chat, "type": "private", "first_name": "Cust", "last_name": "Omer"})
        }
    }
}
