//! The CLI commands that work through [`super::Admin`] (`kefu handoff`,
//! `kefu learn`, `kefu shop order|user`, `kefu stats`): against the running
//! daemon's admin API when one answers on `http.listen`, else on the store.

use super::Admin;
use crate::cli::{HandoffAction, LearnAction};
use crate::config::Settings;

/// `kefu learn …`: through the running daemon, or on the store.
pub async fn learn(settings: &Settings, action: LearnAction) -> anyhow::Result<()> {
    use crate::learn::Decision;
    let admin = crate::admin::client::connect(settings).await?;
    let decision = match action {
        LearnAction::Check { json } => {
            let checks = admin.learn_check().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&checks)?);
            }
            let failed: Vec<_> = checks.iter().filter(|c| !c.passed()).collect();
            for c in checks.iter().filter(|_| !json) {
                let verdict = if c.passed() { "ok" } else { "FAILED" };
                println!(
                    "{verdict}\t{}\t{}\t(finds {})",
                    c.id,
                    c.question,
                    c.found.as_deref().unwrap_or("nothing")
                );
            }
            if !failed.is_empty() {
                anyhow::bail!(
                    "{} learned question(s) no longer find their answer",
                    failed.len()
                );
            }
            return Ok(());
        }
        LearnAction::List { json } => {
            let list = admin.suggestions().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!("no suggestions: nothing handed off was answered by an operator since the last decisions");
            }
            for s in list.iter().filter(|_| !json) {
                println!(
                    "{}\n  asked: {}\n  {} answered: {}",
                    s.conversation, s.question, s.operator, s.answer
                );
                if !s.masked.is_empty() {
                    println!(
                        "  masked, as it would be published to everyone: {}",
                        s.masked.join(", ")
                    );
                }
            }
            return Ok(());
        }
        LearnAction::Approve {
            conversation,
            question,
            answer,
        } => Decision {
            conversation,
            approve: true,
            question,
            answer,
        },
        LearnAction::Reject { conversation } => Decision {
            conversation,
            approve: false,
            question: None,
            answer: None,
        },
    };
    match admin.decide(&decision).await? {
        Some(entry) => println!(
            "learned {}, published as:\n  Q: {}\n  A: {}\n(the bot answers it from its next start: systemctl restart kefu)",
            entry.id, entry.question_en, entry.answer_en
        ),
        None => println!("rejected the suggestion from {}", decision.conversation),
    }
    Ok(())
}

/// `--since 7d` as the moment it names (ms since epoch); `all` is 0.
pub fn since_millis(since: &str) -> anyhow::Result<u64> {
    let since = since.trim();
    if since == "all" {
        return Ok(0);
    }
    let (number, unit) = since.split_at(since.len().saturating_sub(1));
    let n: f64 = number.parse().map_err(|_| {
        anyhow::anyhow!("--since {since:?}: write a number and d, h or m (7d, 24h, 90m), or all")
    })?;
    let ms = match unit {
        "d" => n * 86_400_000.0,
        "h" => n * 3_600_000.0,
        "m" => n * 60_000.0,
        _ => anyhow::bail!("--since {since:?}: the unit is d, h or m (7d, 24h, 90m), or all"),
    };
    Ok(kefu_channels::now_millis().saturating_sub(ms as u64))
}

/// `kefu shop order|user`: from the running daemon or the store.
pub async fn print_shop(settings: &Settings, kind: &str, id: &str) -> anyhow::Result<()> {
    let admin = crate::admin::client::connect(settings).await?;
    let record = admin.shop(kind, id).await?;
    println!("{}", serde_json::to_string_pretty(&record)?);
    Ok(())
}

/// `kefu handoff …`: through the running daemon, or on the store.
pub async fn handoff(settings: &Settings, action: HandoffAction) -> anyhow::Result<()> {
    use crate::admin::ActRequest;
    use crate::desk::Act;
    let admin = crate::admin::client::connect(settings).await?;
    let me = |who: Option<String>| {
        who.or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "operator".into())
    };
    let (conversation, act, who) = match action {
        HandoffAction::List { json } => return print_waiting(admin.as_ref(), json).await,
        HandoffAction::Show { conversation, json } => {
            return print_conversation(admin.as_ref(), &conversation, json).await
        }
        HandoffAction::Reply {
            conversation,
            text,
            snippet,
            who,
        } => {
            let text = reply_text(settings, text, snippet)?;
            (conversation, Act::Reply(text), me(who))
        }
        HandoffAction::Note {
            conversation,
            text,
            who,
        } => (conversation, Act::Note(text.join(" ")), me(who)),
        HandoffAction::Take { conversation, who } => (conversation, Act::Take, me(who)),
        HandoffAction::Release {
            conversation,
            note,
            who,
        } => (conversation, Act::Release(note), me(who)),
        HandoffAction::Close { conversation, who } => (conversation, Act::Close, me(who)),
    };
    let sent = admin
        .act(&ActRequest {
            conversation: conversation.clone(),
            act,
            who,
        })
        .await?;
    println!(
        "done in {conversation} through {} ({sent} message(s) to send)",
        admin.describe()
    );
    Ok(())
}

/// `kefu handoff list`.
async fn print_waiting(admin: &dyn Admin, json: bool) -> anyhow::Result<()> {
    let list = admin.list().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else if list.is_empty() {
        println!("nobody is waiting for a person");
    } else {
        for row in list {
            println!("{}\t{}\t{}", row.id, row.kind, row.detail);
        }
    }
    Ok(())
}

/// `kefu handoff show CONVERSATION`.
async fn print_conversation(admin: &dyn Admin, id: &str, json: bool) -> anyhow::Result<()> {
    let record = admin.show(id).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&record)?);
    } else {
        println!("{} ({})", record.id, record.owner.label());
        for turn in &record.turns {
            println!("{}", crate::store::copy_text(turn));
        }
    }
    Ok(())
}

/// The words of `kefu handoff reply`: the snippet named, or the text given.
fn reply_text(
    settings: &Settings,
    text: Vec<String>,
    snippet: Option<String>,
) -> anyhow::Result<String> {
    let text = match snippet {
        Some(name) => {
            let path = settings
                .operators
                .snippets
                .clone()
                .unwrap_or_else(|| settings.shop.data.join("snippets.toml"));
            let snippets = crate::desk::snippets::Snippets::load(&path)?;
            snippets.get(&name).map_err(anyhow::Error::msg)?.to_string()
        }
        None => text.join(" "),
    };
    if text.trim().is_empty() {
        anyhow::bail!("nothing to send: give the reply's text or --snippet NAME");
    }
    Ok(text)
}
