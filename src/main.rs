//! The `kefu` binary.

use clap::Parser;
use kefu::cli::{
    Cli, Command, ConfigAction, CustomerAction, HandoffAction, LearnAction, ShopAction,
};
use kefu::config::{self, ConfigError, Settings};
use kefu::daemon::{Channels, StopWhen};
use kefu_channels::console::{ConsoleChannel, ConsoleFormat};
use kefu_channels::{Channel, ChannelKind};
use std::process::ExitCode;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Exit status for configuration errors.
const EXIT_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let quiet = matches!(
        cli.command,
        Command::Chat { .. }
            | Command::Config { .. }
            | Command::Bench { .. }
            | Command::Eval { .. }
            | Command::Shop { .. }
            | Command::Handoff { .. }
            | Command::Customer { .. }
            | Command::Stats { .. }
            | Command::Learn { .. }
    );
    // mistral.rs's GGUF loader warns on every CPU start that PagedAttention
    // is off ("a mix of GPU and CPU"), which is expected and only confuses.
    kefu::logging::init(if quiet {
        "warn,mistralrs_core::pipeline::gguf=error"
    } else {
        "info,mistralrs_core=warn,mistralrs_quant=warn,mistralrs_core::pipeline::gguf=error"
    });
    let settings = match load_settings(&cli) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("kefu: config error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("kefu: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kefu: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_settings(cli: &Cli) -> Result<Settings, ConfigError> {
    let file = config::find_config_file(cli.config.as_deref())?;
    let settings = config::load(file.as_deref())?;
    kefu::logging::show_personal_data(settings.log.personal_data);
    Ok(settings)
}

async fn execute(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Config {
            action: ConfigAction::Check,
        } => {
            print!("{}", toml::to_string_pretty(&settings)?);
            Ok(())
        }
        Command::Bench { json } => {
            let report = kefu::bench::run(&settings).await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", kefu::bench::render(&report));
            }
            Ok(())
        }
        Command::Eval { json, file } => {
            let nlu = kefu::nlu::Nlu::new(
                kefu::nlu::Lexicon::new(&[]).with_data_dir(&settings.shop.data),
            );
            let report = kefu::nlu::eval::eval_file(&nlu, &file)?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", kefu::nlu::eval::render(&report));
            }
            Ok(())
        }
        Command::Shop {
            action: ShopAction::Order { id },
        } => print_shop(&settings, "order", &id).await,
        Command::Shop {
            action: ShopAction::User { id },
        } => print_shop(&settings, "user", &id).await,
        Command::Shop { action } => {
            let store = kefu::store::Store::open(&settings.store.path)?;
            let shop = kefu::shop::Shop::new(&store);
            match action {
                ShopAction::Import { dir } => {
                    let counts = kefu::shop::import_dir(&shop, &dir)?;
                    println!(
                        "imported {} users, {} orders, {} products from {}",
                        counts.users,
                        counts.orders,
                        counts.products,
                        dir.display()
                    );
                }
                ShopAction::Order { .. } | ShopAction::User { .. } => {}
            }
            store.flush().await?;
            Ok(())
        }
        Command::Customer { action } => {
            let store = kefu::store::Store::open(&settings.store.path)?;
            customer_command(&store, &settings, action).await?;
            store.flush().await?;
            Ok(())
        }
        Command::Handoff { action } => handoff_command(&settings, action).await,
        Command::Learn { action } => learn_command(&settings, action).await,
        Command::Stats {
            since,
            digest: true,
            ..
        } => {
            let admin = kefu::admin::client::connect(&settings).await?;
            print!("{}", admin.digest(since_millis(&since)?).await?);
            Ok(())
        }
        Command::Stats { since, json, .. } => {
            let since = since_millis(&since)?;
            let admin = kefu::admin::client::connect(&settings).await?;
            let stats = admin.stats(since).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print!("{}", kefu::stats::render(&stats));
            }
            Ok(())
        }
        Command::Run => {
            let daemon = kefu::app::build(&settings).await?;
            let channels = kefu::app::platform_channels(&settings, &daemon.store)?;
            daemon.run(channels, shutdown_on_signals()?).await
        }
        Command::Chat {
            json,
            session,
            user,
        } => {
            let format = if json {
                ConsoleFormat::Json
            } else {
                ConsoleFormat::Text
            };
            let mut channels = Channels::new();
            let console = ConsoleChannel::stdio(&session, &user, format);
            channels.insert(ChannelKind::Console, Arc::new(console) as Arc<dyn Channel>);
            let mut daemon = kefu::app::build(&settings).await?;
            daemon.stop_when = StopWhen::InputDrained;
            daemon.run(channels, shutdown_on_signals()?).await
        }
    }
}

/// `kefu learn …`: through the running daemon, or on the store.
async fn learn_command(settings: &Settings, action: LearnAction) -> anyhow::Result<()> {
    use kefu::learn::Decision;
    let admin = kefu::admin::client::connect(settings).await?;
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
            "learned {}: \"{}\" (the bot answers it from its next start: systemctl restart kefu)",
            entry.id, entry.question_en
        ),
        None => println!("rejected the suggestion from {}", decision.conversation),
    }
    Ok(())
}

/// `--since 7d` as the moment it names (ms since epoch); `all` is 0.
fn since_millis(since: &str) -> anyhow::Result<u64> {
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
async fn print_shop(settings: &Settings, kind: &str, id: &str) -> anyhow::Result<()> {
    let admin = kefu::admin::client::connect(settings).await?;
    let record = admin.shop(kind, id).await?;
    println!("{}", serde_json::to_string_pretty(&record)?);
    Ok(())
}

/// `kefu handoff …`: through the running daemon, or on the store.
async fn handoff_command(settings: &Settings, action: HandoffAction) -> anyhow::Result<()> {
    use kefu::admin::ActRequest;
    use kefu::desk::Act;
    let admin = kefu::admin::client::connect(settings).await?;
    let me = |who: Option<String>| {
        who.or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "operator".into())
    };
    let (conversation, act, who) = match action {
        HandoffAction::List { json } => {
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
            return Ok(());
        }
        HandoffAction::Show { conversation, json } => {
            let record = admin.show(&conversation).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&record)?);
            } else {
                println!("{} ({})", record.id, record.owner.label());
                for turn in &record.turns {
                    println!("{}", kefu::store::copy_text(turn));
                }
            }
            return Ok(());
        }
        HandoffAction::Reply {
            conversation,
            text,
            snippet,
            who,
        } => {
            let text = match snippet {
                Some(name) => {
                    let path = settings
                        .operators
                        .snippets
                        .clone()
                        .unwrap_or_else(|| settings.shop.data.join("snippets.toml"));
                    let snippets = kefu::desk::snippets::Snippets::load(&path)?;
                    snippets.get(&name).map_err(anyhow::Error::msg)?.to_string()
                }
                None => text.join(" "),
            };
            if text.trim().is_empty() {
                anyhow::bail!("nothing to send: give the reply's text or --snippet NAME");
            }
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

/// `kefu customer links|unlink`.
async fn customer_command(
    store: &kefu::store::Store,
    settings: &Settings,
    action: CustomerAction,
) -> anyhow::Result<()> {
    use kefu::verify::links;
    let customers = &store.customers();
    match action {
        CustomerAction::Links { customer } => {
            let now = kefu_channels::now_millis();
            for (identity, link) in links::list(customers) {
                let Some(link) = link else {
                    println!("{identity}\t-\tfrom an older kefu: ignored; unlink it");
                    continue;
                };
                if customer.as_ref().is_some_and(|c| *c != link.customer) {
                    continue;
                }
                let until = chrono::DateTime::from_timestamp_millis(link.until as i64)
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default();
                let state = if link.until > now { "until" } else { "expired" };
                println!(
                    "{identity}\t{}\t{:?} proof\t{state} {until}",
                    link.customer, link.proof
                );
            }
        }
        CustomerAction::Unlink { identity } => {
            if !links::unlink(customers, &identity)? {
                anyhow::bail!("no link for {identity:?}; `kefu customer links` lists them");
            }
            println!("unlinked {identity}: their next conversation starts unverified");
        }
        CustomerAction::Export { customer } => {
            let data = kefu::privacy::export(store, &customer)?;
            println!("{}", serde_json::to_string_pretty(&data)?);
        }
        CustomerAction::Forget { customer } => {
            let gone = kefu::privacy::forget(store, &customer).await?;
            println!(
                "forgot {customer}: {} conversations, {} messages, {} records erased \
                 (the shop's own user and order records stay)",
                gone.conversations, gone.messages, gone.records
            );
        }
        CustomerAction::Prune => {
            let now = kefu_channels::now_millis();
            let pruned = store.prune(settings.retention.policy(), now).await?;
            println!("{}", serde_json::to_string(&pruned)?);
        }
    }
    Ok(())
}

/// A token cancelled at the first SIGTERM (systemd's stop) or SIGINT
/// (Ctrl-C): the daemon's shutdown.
fn shutdown_on_signals() -> anyhow::Result<CancellationToken> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let shutdown = CancellationToken::new();
    let cancel = shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received"),
            _ = int.recv() => tracing::info!("SIGINT received"),
        }
        cancel.cancel();
    });
    Ok(shutdown)
}
