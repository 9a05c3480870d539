//! The stand-in's gateway: HELLO, IDENTIFY/READY, HEARTBEAT/ACK,
//! RESUME/RESUMED (or INVALID_SESSION), dispatches with sequence numbers.

use super::*;
use futures::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::{frame::coding::CloseCode, CloseFrame};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::WebSocketStream;

impl DiscordStandin {
    pub(super) async fn gateway<S>(&self, ws: WebSocketStream<S>)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        let (mut out, mut incoming) = ws.split();
        let (tx, mut rx) = mpsc::unbounded_channel::<Ctl>();
        let (conn, hello) = {
            let mut inner = self.lock();
            inner.next_conn += 1;
            (
                inner.next_conn,
                json!({"op": 10, "d": {"heartbeat_interval": inner.heartbeat_ms, "_trace": ["standin"]}, "s": null, "t": null}),
            )
        };
        if out.send(Frame::Text(hello.to_string())).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                frame = incoming.next() => match frame {
                    Some(Ok(Frame::Text(text))) => {
                        if let Some(close) = self.on_op(conn, &tx, &text) {
                            let _ = out.send(Frame::Close(Some(close))).await;
                            break;
                        }
                    }
                    Some(Ok(Frame::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
                ctl = rx.recv() => match ctl {
                    Some(Ctl::Send(text)) => if out.send(Frame::Text(text)).await.is_err() { break },
                    Some(Ctl::Drop) | None => break,
                },
            }
        }
        let mut inner = self.lock();
        for session in inner.sessions.values_mut() {
            if session.conn.as_ref().is_some_and(|(c, _)| *c == conn) {
                session.conn = None;
            }
        }
    }

    /// Handle one client frame; `Some` closes the connection with that frame.
    fn on_op(
        &self,
        conn: u64,
        tx: &mpsc::UnboundedSender<Ctl>,
        text: &str,
    ) -> Option<CloseFrame<'static>> {
        let Ok(payload) = serde_json::from_str::<Value>(text) else {
            return Some(CloseFrame {
                code: CloseCode::Library(4002),
                reason: "Error while decoding payload.".into(),
            });
        };
        let mut inner = self.lock();
        let ws_url = format!("ws://{}", self.addr);
        match payload["op"].as_u64() {
            Some(1) => {
                inner.ops.push("HEARTBEAT".into());
                let _ = tx.send(Ctl::Send(
                    json!({"op": 11, "d": null, "s": null, "t": null}).to_string(),
                ));
            }
            Some(2) => {
                inner.ops.push("IDENTIFY".into());
                let token = payload["d"]["token"].as_str().unwrap_or("");
                if token.trim_start_matches("Bot ") != TOKEN {
                    return Some(CloseFrame {
                        code: CloseCode::Library(4004),
                        reason: "Authentication failed.".into(),
                    });
                }
                let session_id = format!("standin-session-{conn}");
                let ready = json!({
                    "v": 10, "user": bot_user(), "guilds": [], "session_id": session_id, "session_type": "normal",
                    "resume_gateway_url": ws_url, "shard": [0, 1], "private_channels": [], "relationships": [],
                    "presences": [], "guild_join_requests": [], "geo_ordered_rtc_regions": ["local"],
                    "application": {"id": BOT_ID.to_string(), "flags": 0}, "_trace": ["standin"]
                });
                let intents = payload["d"]["intents"].as_u64().unwrap_or(0);
                inner.sessions.insert(
                    session_id.clone(),
                    Session {
                        seq: 0,
                        log: vec![],
                        conn: Some((conn, tx.clone())),
                        intents,
                    },
                );
                inner.current = Some(session_id.clone());
                dispatch(&mut inner, &session_id, "READY", ready);
            }
            Some(6) => {
                inner.ops.push("RESUME".into());
                let session_id = payload["d"]["session_id"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let seq = payload["d"]["seq"].as_u64().unwrap_or(0);
                let refuse = inner.refuse_resume || !inner.sessions.contains_key(&session_id);
                if refuse
                    || payload["d"]["token"]
                        .as_str()
                        .map(|t| t.trim_start_matches("Bot "))
                        != Some(TOKEN)
                {
                    let _ = tx.send(Ctl::Send(
                        json!({"op": 9, "d": false, "s": null, "t": null}).to_string(),
                    ));
                    return None;
                }
                let session = inner.sessions.get_mut(&session_id).unwrap();
                session.conn = Some((conn, tx.clone()));
                for (_, event) in session.log.iter().filter(|(s, _)| *s > seq) {
                    let _ = tx.send(Ctl::Send(event.clone()));
                }
                inner.current = Some(session_id.clone());
                dispatch(
                    &mut inner,
                    &session_id,
                    "RESUMED",
                    json!({"_trace": ["standin"]}),
                );
            }
            Some(op) => inner.ops.push(format!("OP{op}")),
            None => {}
        }
        None
    }
}

/// Record a message in its channel and dispatch MESSAGE_CREATE to the current
/// session (queued for a RESUME when it is disconnected).
pub(super) fn publish(inner: &mut Inner, channel: u64, message: Value) {
    inner
        .history
        .entry(channel)
        .or_default()
        .push(message.clone());
    let Some(session_id) = inner.current.clone() else {
        return;
    };
    let mut event = message;
    let mentioned = event["mentions"]
        .as_array()
        .is_some_and(|m| m.iter().any(|u| u["id"].as_str() == Some(BOT_ID_STR)));
    let intents = inner.sessions.get(&session_id).map_or(0, |s| s.intents);
    if intents & MESSAGE_CONTENT == 0
        && !event["guild_id"].is_null()
        && !mentioned
        && event["author"]["id"].as_str() != Some(BOT_ID_STR)
    {
        event["content"] = json!("");
    }
    dispatch(inner, &session_id, "MESSAGE_CREATE", event);
}

pub(super) fn dispatch(inner: &mut Inner, session_id: &str, name: &str, data: Value) {
    let Some(session) = inner.sessions.get_mut(session_id) else {
        return;
    };
    session.seq += 1;
    let event = json!({"op": 0, "s": session.seq, "t": name, "d": data}).to_string();
    session.log.push((session.seq, event.clone()));
    if let Some((_, tx)) = &session.conn {
        let _ = tx.send(Ctl::Send(event));
    }
}

pub(super) fn send_live(inner: &Inner, text: String) {
    if let Some((_, tx)) = inner
        .current
        .as_ref()
        .and_then(|s| inner.sessions.get(s))
        .and_then(|s| s.conn.as_ref())
    {
        let _ = tx.send(Ctl::Send(text));
    }
}
