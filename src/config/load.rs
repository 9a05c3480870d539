//! Reading and checking the configuration.

use super::{EngineKind, Settings};
use config::{Config, Environment, File, FileFormat};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The smallest paged KV cache: one reply prompt (system prompt, facts,
/// history) and its reply must fit.
const MIN_KV_CACHE_TOKENS: usize = 1024;

/// A configuration problem, always naming the key or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A key is set that kefu does not know (a typo, most likely).
    #[error("unknown key `{key}` in {origin}{hint}")]
    UnknownKey {
        /// The dotted key.
        key: String,
        /// Where it came from (file path or environment).
        origin: String,
        /// The known keys of that section.
        hint: String,
    },
    /// A key has a value of the wrong type or an invalid value.
    #[error("invalid value for `{key}`: {message}")]
    Invalid {
        /// The dotted key.
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// A key that the enabled features need is empty.
    #[error("missing value for `{key}`: {why}")]
    Missing {
        /// The dotted key.
        key: String,
        /// Why it is needed and how to set it.
        why: String,
    },
    /// The file cannot be read or parsed.
    #[error("cannot read config file {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// The reason.
        message: String,
    },
}

/// The secrets' environment variables and their keys: read as strings.
const SECRET_VARS: [(&str, &str); 5] = [
    ("KEFU__TELEGRAM__TOKEN", "telegram.token"),
    ("KEFU__DISCORD__TOKEN", "discord.token"),
    ("KEFU__EMAIL__PASSWORD", "email.password"),
    ("KEFU__LLM__API_KEY", "llm.api_key"),
    ("KEFU__HTTP__ADMIN_TOKEN", "http.admin_token"),
];

/// The environment variables that hold comma-separated lists.
const LIST_VARS: [(&str, &str); 3] = [
    ("KEFU__DISCORD__CHANNELS", "discord.channels"),
    (
        "KEFU__EMAIL__TRUSTED_AUTHSERV_IDS",
        "email.trusted_authserv_ids",
    ),
    ("KEFU__OPERATORS__TELEGRAM_IDS", "operators.telegram_ids"),
];

/// The config file to use: the one given, else `./kefu.toml`, else
/// `/etc/kefu/kefu.toml`, else none (defaults and environment only).
pub fn find_config_file(explicit: Option<&Path>) -> Result<Option<PathBuf>, ConfigError> {
    if let Some(path) = explicit {
        if !path.is_file() {
            return Err(ConfigError::File {
                path: path.to_path_buf(),
                message: "no such file".into(),
            });
        }
        return Ok(Some(path.to_path_buf()));
    }
    Ok(["kefu.toml", "/etc/kefu/kefu.toml"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file()))
}

/// Load the settings from `file` (if any) and the `KEFU__…` environment.
pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
    let mut builder = Config::builder();
    if let Some(path) = file {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        // Parse with toml first: its errors carry line and column.
        if let Err(e) = text.parse::<toml::Table>() {
            return Err(ConfigError::File {
                path: path.to_path_buf(),
                message: one_line(&e.to_string()),
            });
        }
        builder = builder.add_source(File::from_str(&text, FileFormat::Toml));
    }
    // Secrets are taken as written: parsing would turn a password "0123"
    // into the number 123.
    let (secrets, others): (Vec<_>, Vec<_>) = std::env::vars()
        .filter(|(name, _)| name.starts_with("KEFU__"))
        .partition(|(name, _)| SECRET_VARS.iter().any(|(var, _)| var == name));
    let env = Environment::with_prefix("KEFU")
        .prefix_separator("__")
        .separator("__")
        .try_parsing(true)
        .source(Some(
            others
                .into_iter()
                .filter(|(name, _)| !LIST_VARS.iter().any(|(var, _)| var == name))
                .collect(),
        ));
    let mut builder = builder.add_source(env);
    // Lists are split here: the config crate parses a one-element list
    // that looks like a number ("4242") as that number.
    for (var, key) in LIST_VARS {
        if let Ok(value) = std::env::var(var) {
            let items: Vec<String> = value
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            builder = builder
                .set_override(key, items)
                .map_err(|e| ConfigError::Invalid {
                    key: key.into(),
                    message: one_line(&e.to_string()),
                })?;
        }
    }
    for (name, value) in secrets {
        let key = SECRET_VARS
            .iter()
            .find(|(var, _)| *var == name)
            .map(|(_, k)| *k);
        if let Some(key) = key {
            builder = builder
                .set_override(key, value)
                .map_err(|e| ConfigError::Invalid {
                    key: key.into(),
                    message: one_line(&e.to_string()),
                })?;
        }
    }
    let config = builder.build().map_err(|e| ConfigError::File {
        path: file.map(Path::to_path_buf).unwrap_or_default(),
        message: one_line(&e.to_string()),
    })?;
    let origin = file.map_or_else(
        || "the environment".to_string(),
        |p| p.display().to_string(),
    );
    check_known_keys(&config, &origin)?;
    let settings: Settings = config.try_deserialize().map_err(type_error)?;
    validate(&settings)?;
    Ok(settings)
}

/// Reject keys that do not exist, naming the section's real keys.
fn check_known_keys(config: &Config, origin: &str) -> Result<(), ConfigError> {
    let known = serde_json::to_value(Settings::default()).expect("settings serialize");
    let given: BTreeMap<String, config::Value> =
        config.clone().try_deserialize().map_err(type_error)?;
    for (section, value) in given {
        let Some(known_section) = known.get(&section).and_then(|v| v.as_object()) else {
            let sections: Vec<_> = known
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k.as_str())
                .collect();
            return Err(ConfigError::UnknownKey {
                key: section,
                origin: origin.into(),
                hint: format!(" (sections: {})", sections.join(", ")),
            });
        };
        let table = value.into_table().map_err(|_| ConfigError::Invalid {
            key: section.clone(),
            message: "expected a table like [section]".into(),
        })?;
        for key in table.keys() {
            if !known_section.contains_key(key) {
                let keys: Vec<_> = known_section.keys().map(String::as_str).collect();
                return Err(ConfigError::UnknownKey {
                    key: format!("{section}.{key}"),
                    origin: origin.into(),
                    hint: format!(" (keys of [{section}]: {})", keys.join(", ")),
                });
            }
        }
    }
    Ok(())
}

fn type_error(e: config::ConfigError) -> ConfigError {
    match e {
        config::ConfigError::Type {
            ref key,
            ref unexpected,
            expected,
            ..
        } => ConfigError::Invalid {
            key: key.clone().unwrap_or_else(|| "?".into()),
            message: format!("found {unexpected}, expected {expected}"),
        },
        config::ConfigError::At {
            ref key, ref error, ..
        } => ConfigError::Invalid {
            key: key.clone().unwrap_or_else(|| "?".into()),
            message: one_line(&error.to_string()),
        },
        other => {
            let text = one_line(&other.to_string());
            // serde's messages end with "for key `a.b`"; lift the key out.
            let key = text
                .rsplit_once("for key `")
                .and_then(|(_, rest)| rest.split('`').next())
                .unwrap_or("?")
                .to_string();
            ConfigError::Invalid { key, message: text }
        }
    }
}

/// Values each enabled feature needs, and ranges.
/// The shortest admin token accepted: it guards the admin API on the
/// network.
pub const MIN_ADMIN_TOKEN_CHARS: usize = 16;

fn validate(s: &Settings) -> Result<(), ConfigError> {
    let missing = |key: &str, why: &str| {
        Err(ConfigError::Missing {
            key: key.into(),
            why: why.into(),
        })
    };
    let invalid = |key: &str, message: &str| {
        Err(ConfigError::Invalid {
            key: key.into(),
            message: message.into(),
        })
    };
    if s.llm.max_tokens == 0 {
        return invalid("llm.max_tokens", "must be at least 1");
    }
    if !(0.0..=2.0).contains(&s.llm.temperature) {
        return invalid("llm.temperature", "must be between 0 and 2");
    }
    if s.llm.max_concurrent == 0 {
        return invalid("llm.max_concurrent", "must be at least 1");
    }
    if s.llm.paged_attention && s.llm.kv_cache_tokens < MIN_KV_CACHE_TOKENS {
        return invalid(
            "llm.kv_cache_tokens",
            &format!("must be at least {MIN_KV_CACHE_TOKENS} (one full prompt and reply)"),
        );
    }
    if s.daemon.workers == 0 {
        return invalid("daemon.workers", "must be at least 1");
    }
    match s.llm.engine {
        EngineKind::Mistralrs if s.llm.model.as_os_str().is_empty() => {
            return missing("llm.model", "the mistralrs engine needs a GGUF file path");
        }
        EngineKind::Openai if s.llm.base_url.trim().is_empty() => {
            return missing("llm.base_url", "the openai engine needs the server's URL");
        }
        _ => {}
    }
    let token = s.http.admin_token.expose().trim().chars().count();
    if token > 0 && token < MIN_ADMIN_TOKEN_CHARS {
        return invalid(
            "http.admin_token",
            &format!(
                "must be at least {MIN_ADMIN_TOKEN_CHARS} characters (e.g. `openssl rand -hex 24`)"
            ),
        );
    }
    if s.telegram.enabled && s.telegram.token.is_empty() {
        return missing(
            "telegram.token",
            "telegram is enabled; set KEFU__TELEGRAM__TOKEN",
        );
    }
    if s.discord.enabled && s.discord.token.is_empty() {
        return missing(
            "discord.token",
            "discord is enabled; set KEFU__DISCORD__TOKEN",
        );
    }
    if s.email.enabled {
        for (key, value) in [
            ("email.address", &s.email.address),
            ("email.imap_host", &s.email.imap_host),
            ("email.smtp_host", &s.email.smtp_host),
        ] {
            if value.trim().is_empty() {
                return missing(key, "email is enabled");
            }
        }
    }
    Ok(())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    /// Secrets keep leading zeros and other digits-only shapes; other
    /// keys are still parsed (the only test here that sets the process
    /// environment, so no other test races it).
    #[test]
    fn secrets_from_the_environment_are_read_as_written() {
        std::env::set_var("KEFU__EMAIL__PASSWORD", "0123");
        std::env::set_var("KEFU__LLM__API_KEY", "1e5");
        std::env::set_var("KEFU__LLM__MAX_TOKENS", "77");
        // A one-element list that looks like a number stays a list.
        std::env::set_var("KEFU__OPERATORS__TELEGRAM_IDS", "4242");
        std::env::set_var("KEFU__EMAIL__TRUSTED_AUTHSERV_IDS", "mx.example.com, mx2");
        let settings = super::load(None).unwrap();
        for var in [
            "KEFU__EMAIL__PASSWORD",
            "KEFU__LLM__API_KEY",
            "KEFU__LLM__MAX_TOKENS",
            "KEFU__OPERATORS__TELEGRAM_IDS",
            "KEFU__EMAIL__TRUSTED_AUTHSERV_IDS",
        ] {
            std::env::remove_var(var);
        }
        assert_eq!(settings.operators.telegram_ids, [4242]);
        assert_eq!(
            settings.email.trusted_authserv_ids,
            ["mx.example.com", "mx2"]
        );
        assert_eq!(settings.email.password.expose(), "0123");
        assert_eq!(settings.llm.api_key.expose(), "1e5");
        assert_eq!(settings.llm.max_tokens, 77);
    }
}
