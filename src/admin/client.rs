//! The command line's side of the admin API: [`Remote`] asks the running
//! daemon — over its Unix socket on this machine (no token needed: the
//! socket's permissions decide), else on `http.listen` with the token —
//! and [`connect`] picks it when a daemon answers, else opens the store
//! here.

use super::{socket, ActRequest, Admin, AdminError, AdminResult, Local, Waiting};
use crate::config::Settings;
use crate::store::{Conversation, Store};
use async_trait::async_trait;
use std::path::PathBuf;
use std::time::Duration;

/// The running daemon.
pub struct Remote {
    transport: Transport,
}

/// How the daemon is reached.
enum Transport {
    /// Its Unix socket.
    Socket(PathBuf),
    /// `http.listen`, with the admin token.
    Http {
        base: String,
        token: String,
        http: reqwest::Client,
    },
}

/// The admin operations for `settings`: the running daemon when one
/// answers on its socket or on `http.listen`, else the store opened here.
pub async fn connect(settings: &Settings) -> anyhow::Result<Box<dyn Admin>> {
    let path = socket::path(&settings.store.path);
    if path.exists() {
        let remote = Remote {
            transport: Transport::Socket(path),
        };
        // A socket nobody answers on was left by a killed daemon.
        if remote
            .send(hyper::Method::GET, "/healthz", None)
            .await
            .is_ok()
        {
            return Ok(Box::new(remote));
        }
    }
    let listen = settings.http.listen.trim();
    if !listen.is_empty() {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        let base = format!("http://{listen}");
        match http.get(format!("{base}/healthz")).send().await {
            Ok(answer) if answer.status().is_success() => {
                let token = settings.http.admin_token.expose().trim().to_string();
                let transport = Transport::Http { base, token, http };
                return Ok(Box::new(Remote { transport }));
            }
            Ok(answer) => anyhow::bail!(
                "http.listen {listen} answered {}: is something other than kefu listening there?",
                answer.status()
            ),
            // Nobody listens: no daemon runs; the store is ours.
            Err(e) if e.is_connect() => {}
            Err(e) => anyhow::bail!("cannot reach the daemon on {listen}: {e}"),
        }
    }
    let store = Store::open(&settings.store.path)?;
    let group = (settings.operators.telegram_chat != 0)
        .then(|| settings.operators.telegram_chat.to_string());
    let data = settings.shop.data_dir();
    Ok(Box::new(Local { store, group, data }))
}

impl Remote {
    /// `method` on `uri` (path and query), with a JSON body; gives the
    /// status and the answer's JSON.
    async fn send(
        &self,
        method: hyper::Method,
        uri: &str,
        body: Option<Vec<u8>>,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        let (status, bytes) = match &self.transport {
            Transport::Socket(path) => {
                let (status, bytes) = socket::request(path, method, uri, body).await?;
                (status.as_u16(), bytes)
            }
            Transport::Http { base, token, http } => {
                let mut request = http
                    .request(method, format!("{base}{uri}"))
                    .bearer_auth(token)
                    .header(reqwest::header::CONTENT_TYPE, "application/json");
                if let Some(body) = body {
                    request = request.body(body);
                }
                let answer = request.send().await?;
                (answer.status().as_u16(), answer.bytes().await?.to_vec())
            }
        };
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Ok((status, json))
    }

    /// An admin call: `path` with `query`, a JSON `body` for a POST. The
    /// daemon's 404 and 409 come back as the kinds of [`AdminError`] they
    /// were there.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> AdminResult<T> {
        let mut url = reqwest::Url::parse("http://kefu")
            .and_then(|base| base.join(path))
            .map_err(|e| AdminError::Failed(e.into()))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let uri = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let method = if body.is_some() {
            hyper::Method::POST
        } else {
            hyper::Method::GET
        };
        let (status, answer) = self.send(method, &uri, body).await?;
        if !(200..300).contains(&status) {
            let error = answer["error"].as_str().unwrap_or("no reason given");
            let message = format!("the daemon refused ({status}): {error}");
            return Err(match status {
                404 => AdminError::NotFound(message),
                409 => AdminError::Refused(message),
                _ => AdminError::Failed(anyhow::anyhow!(message)),
            });
        }
        Ok(serde_json::from_value(answer)?)
    }
}

#[async_trait]
impl Admin for Remote {
    async fn list(&self) -> AdminResult<Vec<Waiting>> {
        self.call("/admin/handoffs", &[], None).await
    }

    async fn show(&self, id: &str) -> AdminResult<Conversation> {
        self.call("/admin/conversation", &[("id", id.to_string())], None)
            .await
    }

    async fn act(&self, request: &ActRequest) -> AdminResult<usize> {
        let body = serde_json::to_vec(request)?;
        let answer: serde_json::Value = self.call("/admin/act", &[], Some(body)).await?;
        Ok(answer["sent"].as_u64().unwrap_or(0) as usize)
    }

    async fn shop(&self, kind: &str, id: &str) -> AdminResult<serde_json::Value> {
        let path = format!("/admin/shop/{kind}");
        self.call(&path, &[("id", id.to_string())], None).await
    }

    async fn stats(&self, since: u64) -> AdminResult<crate::stats::Stats> {
        self.call("/admin/stats", &[("since", since.to_string())], None)
            .await
    }

    async fn digest(&self, since: u64) -> AdminResult<String> {
        self.call("/admin/digest", &[("since", since.to_string())], None)
            .await
    }

    async fn learn_check(&self) -> AdminResult<Vec<crate::learn::Check>> {
        self.call("/admin/learn/check", &[], None).await
    }

    async fn suggestions(&self) -> AdminResult<Vec<crate::learn::Suggestion>> {
        self.call("/admin/learn", &[], None).await
    }

    async fn decide(
        &self,
        decision: &crate::learn::Decision,
    ) -> AdminResult<Option<crate::knowledge::FaqEntry>> {
        let body = serde_json::to_vec(decision)?;
        self.call("/admin/learn", &[], Some(body)).await
    }

    fn describe(&self) -> String {
        match &self.transport {
            Transport::Socket(path) => format!("the running daemon on {}", path.display()),
            Transport::Http { base, .. } => format!("the running daemon at {base}"),
        }
    }
}
