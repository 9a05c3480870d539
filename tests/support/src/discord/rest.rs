//! The stand-in's HTTP/1.1 server: the REST API (`/api/v10`), and the
//! websocket upgrade that hands a connection to the gateway.

use super::*;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

/// An HTTP answer.
pub(super) struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

/// One parsed request.
struct Req {
    method: String,
    path: String,
    query: HashMap<String, String>,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// Read one request head and body; `None` at the end of the connection.
async fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Req> {
    let mut line = String::new();
    reader.read_line(&mut line).await.ok().filter(|n| *n > 0)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        reader
            .read_line(&mut header)
            .await
            .ok()
            .filter(|n| *n > 0)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    let length = headers
        .get("content-length")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter_map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    Some(Req {
        method,
        path: path.to_string(),
        query,
        headers,
        body,
    })
}

impl DiscordStandin {
    /// Serve one TCP connection: keep-alive requests, or a websocket upgrade.
    pub(super) async fn serve(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream);
        while let Some(req) = read_request(&mut reader).await {
            let upgrade = req
                .headers
                .get("upgrade")
                .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
            if upgrade {
                let key = req
                    .headers
                    .get("sec-websocket-key")
                    .map(|k| derive_accept_key(k.as_bytes()));
                let head = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: {}\r\n\r\n",
                    key.unwrap_or_default()
                );
                // The client waits for the 101 before it writes: nothing is buffered.
                let mut stream = reader.into_inner();
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let ws = WebSocketStream::from_raw_socket(stream, Role::Server, None).await;
                return self.gateway(ws).await;
            }
            let reply = self.route(&req);
            let mut head = format!(
                "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                reply.status,
                reason(reply.status),
                reply.body.len()
            );
            for (name, value) in &reply.headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let stream = reader.get_mut();
            if stream.write_all(head.as_bytes()).await.is_err()
                || stream.write_all(reply.body.as_bytes()).await.is_err()
            {
                return;
            }
        }
    }

    fn route(&self, req: &Req) -> Reply {
        let (method, path, query, body) = (&req.method, &req.path, &req.query, &req.body);
        let authorized = req
            .headers
            .get("authorization")
            .is_some_and(|v| *v == format!("Bot {TOKEN}"));
        let ws_url = format!("ws://{}", self.addr);
        let segments: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["gateway"]) => reply(200, json!({"url": ws_url})),
            // Interaction responses authenticate by the interaction's token.
            ("POST", ["interactions", id, token, "callback"]) => {
                let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                let mut inner = self.lock();
                let known = inner.presses.iter().any(|(i, t, _)| i == id && t == token);
                if !known {
                    return reply(
                        404,
                        json!({"message": "Unknown interaction", "code": 10062}),
                    );
                }
                inner.press_answers.push(((*id).to_string(), body));
                Reply {
                    status: 204,
                    headers: vec![],
                    body: String::new(),
                }
            }
            _ if !authorized => reply(401, json!({"message": "401: Unauthorized", "code": 0})),
            ("GET", ["gateway", "bot"]) => reply(
                200,
                json!({"url": ws_url, "shards": 1, "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}}),
            ),
            ("GET", ["users", "@me"]) => reply(200, bot_user()),
            ("GET", ["channels", id, "messages"]) => self.history(id, query),
            ("POST", ["channels", id, "messages"]) => self.create_message(id, body),
            _ => {
                self.lock().unknown.push(format!("{method} {path}"));
                reply(404, json!({"message": "404: Not Found", "code": 0}))
            }
        }
    }

    fn history(&self, channel: &str, query: &HashMap<String, String>) -> Reply {
        let inner = self.lock();
        let Some(messages) = channel
            .parse::<u64>()
            .ok()
            .and_then(|c| inner.history.get(&c))
        else {
            return reply(404, json!({"message": "Unknown Channel", "code": 10003}));
        };
        let limit = query
            .get("limit")
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or(50)
            .clamp(1, 100);
        let id = |m: &Value| {
            m["id"]
                .as_str()
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let mut page: Vec<Value> =
            if let Some(after) = query.get("after").and_then(|a| a.parse::<u64>().ok()) {
                messages
                    .iter()
                    .filter(|m| id(m) > after)
                    .take(limit)
                    .cloned()
                    .collect()
            } else {
                let before = query
                    .get("before")
                    .and_then(|b| b.parse::<u64>().ok())
                    .unwrap_or(u64::MAX);
                let older: Vec<Value> = messages
                    .iter()
                    .filter(|m| id(m) < before)
                    .cloned()
                    .collect();
                older[older.len().saturating_sub(limit)..].to_vec()
            };
        page.reverse(); // Discord lists newest first
        reply(200, Value::Array(page))
    }

    fn create_message(&self, channel: &str, body: &[u8]) -> Reply {
        let mut inner = self.lock();
        if let Some(status) = inner.failures.pop_front() {
            inner.failed.push(status);
            return match status {
                429 => Reply {
                    status,
                    headers: vec![("retry-after", "1".into()), ("x-ratelimit-scope", "user".into())],
                    body: json!({"message": "You are being rate limited.", "retry_after": 0.25, "global": false}).to_string(),
                },
                status => reply(status, json!({"message": format!("{status}: Internal Server Error"), "code": 0})),
            };
        }
        let Ok(body) = serde_json::from_slice::<Value>(body) else {
            return reply(400, json!({"message": "400: Bad Request", "code": 50109}));
        };
        let Some(channel_id) = channel
            .parse::<u64>()
            .ok()
            .filter(|c| inner.history.contains_key(c))
        else {
            return reply(404, json!({"message": "Unknown Channel", "code": 10003}));
        };
        let content = body["content"].as_str().unwrap_or("").to_string();
        if content.trim().is_empty() {
            return reply(
                400,
                json!({"message": "Cannot send an empty message", "code": 50006}),
            );
        }
        if content.chars().count() > 2000 {
            return reply(
                400,
                json!({"message": "Invalid Form Body", "code": 50035, "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}}}),
            );
        }
        let nonce = body["nonce"].as_str().map(str::to_string);
        if let (Some(nonce), true) = (&nonce, body["enforce_nonce"].as_bool() == Some(true)) {
            if let Some(existing) = inner.nonces.get(nonce) {
                return reply(200, existing.clone());
            }
        }
        let reference = body
            .get("message_reference")
            .filter(|r| !r.is_null())
            .cloned();
        let referenced = reference
            .as_ref()
            .and_then(|r| r["message_id"].as_str())
            .and_then(|r| find(&inner, channel_id, r));
        if reference.is_some()
            && referenced.is_none()
            && reference.as_ref().unwrap()["fail_if_not_exists"].as_bool() != Some(false)
        {
            return reply(400, json!({"message": "Invalid Form Body", "code": 50035}));
        }
        let id = next_id(&mut inner);
        let guild = guild_of(&inner, channel_id);
        let reference = referenced.as_ref().map(|r| json!({"type": 0, "message_id": r["id"], "channel_id": channel_id.to_string(), "guild_id": guild.map(|g| g.to_string())}));
        let mut message = message_json(
            id,
            channel_id,
            guild,
            bot_user(),
            &content,
            vec![],
            reference,
        );
        if let Some(referenced) = referenced {
            message["type"] = json!(19);
            message["referenced_message"] = referenced;
        }
        if let Some(nonce) = nonce {
            message["nonce"] = json!(nonce);
            inner.nonces.insert(nonce, message.clone());
        }
        inner.sent.push(Sent {
            channel_id: channel.to_string(),
            body,
            message: message.clone(),
        });
        publish(&mut inner, channel_id, message.clone());
        reply(200, message)
    }
}

fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        headers: vec![],
        body: body.to_string(),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Status",
    }
}
