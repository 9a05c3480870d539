//! The `kefu` binary.

use clap::Parser;
use kefu::cli::{Cli, Command, ConfigAction, CustomerAction, ShopAction};
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

/// Run one command.
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
            print_report(json, &report, kefu::bench::render)
        }
        Command::Eval { json, file, reader } => eval(&settings, json, &file, &reader).await,
        Command::Shop { action } => shop_command(&settings, action).await,
        Command::Customer { action } => {
            let store = kefu::store::Store::open(&settings.store.path)?;
            customer_command(&store, &settings, action).await?;
            store.flush().await?;
            Ok(())
        }
        Command::Handoff { action } => kefu::admin::commands::handoff(&settings, action).await,
        Command::Learn { action } => kefu::admin::commands::learn(&settings, action).await,
        Command::Stats {
            since,
            digest,
            json,
        } => stats(&settings, &since, digest, json).await,
        Command::Run => {
            let daemon = kefu::app::build(&settings).await?;
            let channels = kefu::app::platform_channels(&settings, &daemon.store)?;
            daemon.run(channels, shutdown_on_signals()?).await
        }
        Command::Chat {
            json,
            session,
            user,
        } => chat(&settings, json, &session, &user).await,
    }
}

/// Print `report` as JSON (`--json`) or as `render` writes it for people.
fn print_report<T: serde::Serialize>(
    json: bool,
    report: &T,
    render: impl FnOnce(&T) -> String,
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(report)?);
    } else {
        print!("{}", render(report));
    }
    Ok(())
}

/// `kefu eval FILE`: intents scored by the rules, or frames by the readers
/// asked for.
async fn eval(
    settings: &Settings,
    json: bool,
    file: &std::path::Path,
    readers: &[String],
) -> anyhow::Result<()> {
    if kefu::app::is_frame_file(file)? {
        let scores = kefu::app::eval_reading(settings, file, readers).await?;
        return print_report(json, &scores, |s| kefu::nlu::reading::eval::render(s));
    }
    let nlu = kefu::nlu::Nlu::new(kefu::nlu::Lexicon::new(&[]).with_data_dir(&settings.shop.data));
    let report = kefu::nlu::eval::eval_file(&nlu, file)?;
    print_report(json, &report, kefu::nlu::eval::render)
}

/// `kefu shop order|user|import`: a record through the admin API (the
/// daemon may hold the store), or an import into the store opened here.
async fn shop_command(settings: &Settings, action: ShopAction) -> anyhow::Result<()> {
    let dir = match action {
        ShopAction::Order { id } => {
            return kefu::admin::commands::print_shop(settings, "order", &id).await
        }
        ShopAction::User { id } => {
            return kefu::admin::commands::print_shop(settings, "user", &id).await
        }
        ShopAction::Import { dir } => dir,
    };
    let store = kefu::store::Store::open(&settings.store.path)?;
    let counts = kefu::shop::import_dir(&kefu::shop::Shop::new(&store), &dir)?;
    println!(
        "imported {} users, {} orders, {} products from {}",
        counts.users,
        counts.orders,
        counts.products,
        dir.display()
    );
    store.flush().await?;
    Ok(())
}

/// `kefu stats [--digest] [--json]` of the conversations since `since`.
async fn stats(settings: &Settings, since: &str, digest: bool, json: bool) -> anyhow::Result<()> {
    let since = kefu::admin::commands::since_millis(since)?;
    let admin = kefu::admin::client::connect(settings).await?;
    if digest {
        print!("{}", admin.digest(since).await?);
    } else if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&admin.stats(since).await?)?
        );
    } else {
        print!("{}", kefu::stats::render(&admin.stats(since).await?));
    }
    Ok(())
}

/// `kefu chat`: the daemon on the terminal, until the input ends.
async fn chat(settings: &Settings, json: bool, session: &str, user: &str) -> anyhow::Result<()> {
    let format = if json {
        ConsoleFormat::Json
    } else {
        ConsoleFormat::Text
    };
    let mut daemon = kefu::app::build(settings).await?;
    let group = kefu_channels::console::join(&daemon.store, session, user)?;
    let mut channels = Channels::new();
    let console = ConsoleChannel::stdio(session, user, format).shared(group);
    channels.insert(ChannelKind::Console, Arc::new(console) as Arc<dyn Channel>);
    daemon.stop_when = StopWhen::InputDrained;
    daemon.run(channels, shutdown_on_signals()?).await
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
