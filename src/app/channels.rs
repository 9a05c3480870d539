//! The platform channels `kefu run` serves, each from its config section:
//! one branch here per module in `channels/`.

use crate::config::Settings;
use crate::daemon::Channels;
use crate::store::Store;
use kefu_channels::console::{ConsoleChannel, ConsoleFormat};
use kefu_channels::{Channel, ChannelKind};
use std::sync::Arc;

/// The platform channels `kefu run` serves, from the enabled config
/// sections, keeping their cursors in `store`. Each platform is one branch
/// here and one module in `channels/`.
pub fn platform_channels(settings: &Settings, store: &Store) -> anyhow::Result<Channels> {
    let mut channels = Channels::new();
    if settings.console.enabled {
        let console =
            ConsoleChannel::stdio(&settings.console.session, "console", ConsoleFormat::Text);
        channels.insert(ChannelKind::Console, Arc::new(console) as Arc<dyn Channel>);
    }
    if settings.telegram.enabled {
        channels.insert(ChannelKind::Telegram, telegram_channel(settings, store)?);
    }
    if settings.discord.enabled {
        channels.insert(ChannelKind::Discord, discord_channel(settings, store)?);
    }
    if settings.email.enabled {
        channels.insert(ChannelKind::Email, email_channel(settings, store)?);
    }
    if channels.is_empty() {
        tracing::warn!("no channel is enabled: enable [telegram], [discord], [email] or [console] in the config");
    }
    Ok(channels)
}

/// The Telegram bot from `[telegram]`.
#[cfg(feature = "telegram")]
fn telegram_channel(settings: &Settings, store: &Store) -> anyhow::Result<Arc<dyn Channel>> {
    use kefu_channels::telegram::{TelegramChannel, TelegramConfig};
    let config = TelegramConfig {
        token: settings.telegram.token.expose().to_string(),
        api_url: settings.telegram.api_url.clone(),
    };
    Ok(Arc::new(
        TelegramChannel::new(config)?.with_cursors(Arc::new(StoreCursors(store.clone()))),
    ))
}

#[cfg(not(feature = "telegram"))]
fn telegram_channel(_settings: &Settings, _store: &Store) -> anyhow::Result<Arc<dyn Channel>> {
    anyhow::bail!("telegram.enabled is set, but this kefu was built without the `telegram` feature")
}

/// The Discord bot from `[discord]`. Its catch-up marks (the last stored
/// message of each Discord channel) live in the store, as Telegram's offset
/// and the inbox's cursor do.
#[cfg(feature = "discord")]
fn discord_channel(settings: &Settings, store: &Store) -> anyhow::Result<Arc<dyn Channel>> {
    use kefu_channels::discord::{DiscordChannel, DiscordConfig};
    let discord = &settings.discord;
    let cursors = Arc::new(StoreCursors(store.clone()));
    import_discord_marks(&*cursors, &settings.store.path.join("discord-cursors.json"))?;
    let config = DiscordConfig {
        token: discord.token.expose().to_string(),
        api_url: discord.api_url.clone(),
        channels: discord.channels.clone(),
        cursors,
        catch_up_hours: discord.catch_up_hours,
    };
    Ok(Arc::new(DiscordChannel::new(config)?))
}

/// Earlier releases kept the Discord marks in a JSON file beside the
/// store: taken into the store once (where it has none yet), and the file
/// renamed so it is not read again.
#[cfg(feature = "discord")]
fn import_discord_marks(
    cursors: &dyn kefu_channels::CursorStore,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    use anyhow::Context;
    use kefu_channels::discord::cursor::CURSOR_KEY;
    let Ok(bytes) = std::fs::read(file) else {
        return Ok(());
    };
    if cursors.load(CURSOR_KEY).is_none() {
        let values: std::collections::HashMap<String, String> = serde_json::from_slice(&bytes)
            .with_context(|| {
                format!(
                    "{} is not the Discord marks file kefu wrote; move it away to start without it",
                    file.display()
                )
            })?;
        if let Some(marks) = values.get(CURSOR_KEY) {
            cursors.save(CURSOR_KEY, marks)?;
        }
    }
    std::fs::rename(file, file.with_extension("json.imported"))
        .with_context(|| format!("cannot rename {} after importing it", file.display()))
}

#[cfg(not(feature = "discord"))]
fn discord_channel(_settings: &Settings, _store: &Store) -> anyhow::Result<Arc<dyn Channel>> {
    anyhow::bail!("discord.enabled is set, but this kefu was built without the `discord` feature")
}

/// The daemon's store as the channels' cursor storage (Telegram's update
/// offset, Discord's marks, the inbox's UID cursor and thread index, in its
/// `meta` tree).
#[cfg_attr(
    not(any(feature = "email", feature = "telegram", feature = "discord")),
    allow(dead_code)
)]
struct StoreCursors(Store);

impl kefu_channels::CursorStore for StoreCursors {
    fn load(&self, key: &str) -> Option<String> {
        kefu_channels::CursorStore::load(&self.0, key)
    }

    fn save(&self, key: &str, value: &str) -> anyhow::Result<()> {
        kefu_channels::CursorStore::save(&self.0, key, value)
    }
}

/// The inbox from `[email]`: IMAP in, SMTP out; its UID cursor and thread
/// index live in the store's `meta` tree.
#[cfg(feature = "email")]
fn email_channel(settings: &Settings, store: &Store) -> anyhow::Result<Arc<dyn Channel>> {
    use crate::config::MailSecurity;
    use kefu_channels::email::{EmailChannel, EmailConfig, Security};
    let email = &settings.email;
    let security = |s: MailSecurity| match s {
        MailSecurity::Tls => Security::Tls,
        MailSecurity::Starttls => Security::Starttls,
        MailSecurity::None => Security::None,
    };
    for (key, value) in [
        ("email.address", &email.address),
        ("email.imap_host", &email.imap_host),
        ("email.smtp_host", &email.smtp_host),
    ] {
        if value.trim().is_empty() {
            anyhow::bail!("{key} must be set when email.enabled is true");
        }
    }
    let username = if email.username.is_empty() {
        &email.address
    } else {
        &email.username
    };
    let mut config = EmailConfig::new(&email.address, username, email.password.expose());
    config.display_name = Some(settings.shop.name.clone());
    config.imap_host = email.imap_host.clone();
    config.imap_port = email.imap_port;
    config.imap_security = security(email.imap_security);
    config.smtp_host = email.smtp_host.clone();
    config.smtp_port = email.smtp_port;
    config.smtp_security = security(email.smtp_security);
    config.trusted_authserv_ids = email.trusted_authserv_ids.clone();
    let operators = settings.operators.email.trim();
    if !operators.is_empty() {
        config.operators = vec![operators.to_string()];
    }
    Ok(Arc::new(EmailChannel::new(
        config,
        Arc::new(StoreCursors(store.clone())),
    )))
}

#[cfg(not(feature = "email"))]
fn email_channel(_settings: &Settings, _store: &Store) -> anyhow::Result<Arc<dyn Channel>> {
    anyhow::bail!("email.enabled is set, but this kefu was built without the `email` feature")
}

#[cfg(all(test, feature = "discord"))]
mod tests {
    use super::import_discord_marks;
    use kefu_channels::discord::cursor::CURSOR_KEY;
    use kefu_channels::{CursorStore, MemoryCursorStore};

    #[test]
    fn an_earlier_releases_discord_marks_file_is_taken_into_the_store_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("discord-cursors.json");
        std::fs::write(
            &file,
            r#"{"discord.marks": "{\"7\":{\"last\":99,\"dm\":true}}"}"#,
        )
        .unwrap();
        let store = MemoryCursorStore::default();
        import_discord_marks(&store, &file).unwrap();
        assert_eq!(
            store.load(CURSOR_KEY).as_deref(),
            Some(r#"{"7":{"last":99,"dm":true}}"#)
        );
        assert!(!file.exists(), "the file is not read again");
        assert!(dir.path().join("discord-cursors.json.imported").exists());
        // No file: nothing to do.
        import_discord_marks(&store, &file).unwrap();
    }

    #[test]
    fn marks_in_the_store_win_over_an_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("discord-cursors.json");
        std::fs::write(&file, r#"{"discord.marks": "old"}"#).unwrap();
        let store = MemoryCursorStore::default();
        store.save(CURSOR_KEY, "new").unwrap();
        import_discord_marks(&store, &file).unwrap();
        assert_eq!(store.load(CURSOR_KEY).as_deref(), Some("new"));
    }

    #[test]
    fn a_file_that_is_not_the_marks_is_a_clear_error_and_stays() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("discord-cursors.json");
        std::fs::write(&file, "not json").unwrap();
        let err = import_discord_marks(&MemoryCursorStore::default(), &file).unwrap_err();
        assert!(format!("{err:#}").contains("move it away"), "{err:#}");
        assert!(file.exists());
    }
}
