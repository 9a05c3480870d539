//! The command line's side of the admin API: [`Remote`] asks the running
//! daemon; [`connect`] picks it when a daemon answers on `http.listen`,
//! else opens the store here.

use super::{ActRequest, Admin, Local, Waiting};
use crate::config::Settings;
use crate::store::{Conversation, Store};
use async_trait::async_trait;
use std::time::Duration;

/// The running daemon, over HTTP.
pub struct Remote {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// The admin operations for `settings`: the running daemon when one
/// answers on `http.listen`, else the store opened here.
pub async fn connect(settings: &Settings) -> anyhow::Result<Box<dyn Admin>> {
    let listen = settings.http.listen.trim();
    if !listen.is_empty() {
        let remote = Remote {
            base: format!("http://{listen}"),
            token: settings.http.admin_token.expose().trim().to_string(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()?,
        };
        match remote
            .http
            .get(format!("{}/healthz", remote.base))
            .send()
            .await
        {
            Ok(answer) if answer.status().is_success() => return Ok(Box::new(remote)),
            Ok(answer) => anyhow::bail!(
                "http.listen {listen} answered {}: is something other than kefu listening there?",
                answer.status()
            ),
            // Nobody listens: no daemon runs; the store is ours.
            Err(e) if e.is_connect() => {}
            Err(e) => anyhow::bail!("cannot reach the daemon on {listen}: {e}"),
        }
    }
    let store = Store::open(&settings.store.path).map_err(|e| {
        if listen.is_empty() {
            anyhow::anyhow!(
                "{e}; to work while the daemon runs, set http.listen and http.admin_token"
            )
        } else {
            anyhow::anyhow!("{e}")
        }
    })?;
    let group = (settings.operators.telegram_chat != 0)
        .then(|| settings.operators.telegram_chat.to_string());
    let data = crate::app::shop_data_dir(&settings.shop.data);
    Ok(Box::new(Local { store, group, data }))
}

impl Remote {
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<T> {
        let answer = request.bearer_auth(&self.token).send().await?;
        let status = answer.status();
        let body: serde_json::Value = answer.json().await?;
        if !status.is_success() {
            let error = body["error"].as_str().unwrap_or("no reason given");
            anyhow::bail!("the daemon refused ({status}): {error}");
        }
        Ok(serde_json::from_value(body)?)
    }
}

#[async_trait]
impl Admin for Remote {
    async fn list(&self) -> anyhow::Result<Vec<Waiting>> {
        self.call(self.http.get(format!("{}/admin/handoffs", self.base)))
            .await
    }

    async fn show(&self, id: &str) -> anyhow::Result<Conversation> {
        let url = format!("{}/admin/conversation", self.base);
        self.call(self.http.get(url).query(&[("id", id)])).await
    }

    async fn act(&self, request: &ActRequest) -> anyhow::Result<usize> {
        let url = format!("{}/admin/act", self.base);
        let answer: serde_json::Value = self.call(self.http.post(url).json(request)).await?;
        Ok(answer["sent"].as_u64().unwrap_or(0) as usize)
    }

    async fn shop(&self, kind: &str, id: &str) -> anyhow::Result<serde_json::Value> {
        let url = format!("{}/admin/shop/{kind}", self.base);
        self.call(self.http.get(url).query(&[("id", id)])).await
    }

    async fn stats(&self, since: u64) -> anyhow::Result<crate::stats::Stats> {
        let url = format!("{}/admin/stats", self.base);
        self.call(self.http.get(url).query(&[("since", since)]))
            .await
    }

    async fn digest(&self, since: u64) -> anyhow::Result<String> {
        let url = format!("{}/admin/digest", self.base);
        self.call(self.http.get(url).query(&[("since", since)]))
            .await
    }

    async fn learn_check(&self) -> anyhow::Result<Vec<crate::learn::Check>> {
        self.call(self.http.get(format!("{}/admin/learn/check", self.base)))
            .await
    }

    async fn suggestions(&self) -> anyhow::Result<Vec<crate::learn::Suggestion>> {
        self.call(self.http.get(format!("{}/admin/learn", self.base)))
            .await
    }

    async fn decide(
        &self,
        decision: &crate::learn::Decision,
    ) -> anyhow::Result<Option<crate::knowledge::FaqEntry>> {
        let url = format!("{}/admin/learn", self.base);
        self.call(self.http.post(url).json(decision)).await
    }

    fn describe(&self) -> String {
        format!("the running daemon at {}", self.base)
    }
}
