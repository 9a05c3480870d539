//! The command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// kefu: a self-hosted customer-service daemon.
#[derive(Debug, Parser)]
#[command(name = "kefu", version, about)]
pub struct Cli {
    /// Config file (default: ./kefu.toml, then /etc/kefu/kefu.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// kefu's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: serve every enabled channel until SIGTERM.
    Run,
    /// Chat on the console through the full pipeline (one reply per input line).
    Chat {
        /// Print one JSON object per reply.
        #[arg(long)]
        json: bool,
        /// Conversation name (a new name starts a new conversation).
        #[arg(long, default_value = "local")]
        session: String,
        /// The customer's name in this session.
        #[arg(long, default_value = "customer")]
        user: String,
    },
    /// Measure the configured model: load time, first-token latency, decode
    /// and prompt speed, concurrency scaling, memory.
    Bench {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Score reading on labeled messages: frames (`{"text", "topic", …}`
    /// per line, tests/data/reading/) per reader, or the NLU's intents and
    /// entities (`{"text", "intent", "entities"}`).
    Eval {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// Frames: which readers to score (`rules`, `model`, `routed`,
        /// `all`); the model ones load `llm.model`.
        #[arg(long, value_delimiter = ',', default_value = "rules")]
        reader: Vec<String>,
        /// The labeled messages (JSON lines).
        file: PathBuf,
    },
    /// The shop's data.
    Shop {
        /// What to do.
        #[command(subcommand)]
        action: ShopAction,
    },
    /// Customers' linked sender identities.
    Customer {
        /// What to do.
        #[command(subcommand)]
        action: CustomerAction,
    },
    /// Conversations handed off to a person.
    Handoff {
        /// What to do.
        #[command(subcommand)]
        action: HandoffAction,
    },
    /// How the bot is doing: resolution and hand-off rates, CSAT, first
    /// response times, by channel and by what customers wanted (from the
    /// running daemon, or the store).
    Stats {
        /// Conversations started within this long ago: `7d`, `24h`, `90m`,
        /// or `all`.
        #[arg(long, default_value = "7d")]
        since: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// Print the operators' digest instead (figures, top hand-off
        /// reasons, lowest ratings).
        #[arg(long)]
        digest: bool,
    },
    /// Learn from what operators answered: suggestions become FAQ entries.
    Learn {
        /// What to do.
        #[command(subcommand)]
        action: LearnAction,
    },
    /// Configuration tools.
    Config {
        /// What to do with the configuration.
        #[command(subcommand)]
        action: ConfigAction,
    },
}

/// `kefu config …`
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Check the configuration and print it as kefu sees it (secrets masked).
    Check,
}

/// `kefu shop …`
#[derive(Debug, Subcommand)]
pub enum ShopAction {
    /// Load `users.json`, `orders.json` and `products.json` from DIR.
    Import {
        /// The shop directory.
        dir: PathBuf,
    },
    /// Print one order as stored now (JSON).
    Order {
        /// The order id, e.g. `#W2611340`.
        id: String,
    },
    /// Print one customer as stored now (JSON): name, address, email,
    /// payment methods and order ids.
    User {
        /// The user id, e.g. `mia_garcia_4516`.
        id: String,
    },
}

/// `kefu handoff …`: work with the running daemon (through `http.listen`)
/// or, when none runs, on the store.
#[derive(Debug, Subcommand)]
pub enum HandoffAction {
    /// List conversations waiting for a person or answered by one,
    /// undelivered replies and unreadable messages.
    List {
        /// One JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Show a conversation: who answers it and everything said.
    Show {
        /// The conversation id (from `kefu handoff list`).
        conversation: String,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Answer the customer (you take the conversation: the bot stays silent).
    Reply {
        /// The conversation id.
        conversation: String,
        /// What to say (or use --snippet).
        text: Vec<String>,
        /// Send this canned reply (snippets.toml in the shop's data).
        #[arg(long)]
        snippet: Option<String>,
        /// Your name, as the conversation records it (default: $USER).
        #[arg(long = "as")]
        who: Option<String>,
    },
    /// Leave a note for colleagues and the bot (never sent).
    Note {
        /// The conversation id.
        conversation: String,
        /// The note.
        text: Vec<String>,
        /// Your name (default: $USER).
        #[arg(long = "as")]
        who: Option<String>,
    },
    /// Take the conversation: the bot stays silent there.
    Take {
        /// The conversation id.
        conversation: String,
        /// Your name (default: $USER).
        #[arg(long = "as")]
        who: Option<String>,
    },
    /// Give the conversation back to the bot.
    Release {
        /// The conversation id.
        conversation: String,
        /// What the bot should know ("refunded the shipping").
        #[arg(long)]
        note: Option<String>,
        /// Your name (default: $USER).
        #[arg(long = "as")]
        who: Option<String>,
    },
    /// The matter is over: back to the bot, open requests dropped.
    Close {
        /// The conversation id.
        conversation: String,
        /// Your name (default: $USER).
        #[arg(long = "as")]
        who: Option<String>,
    },
}

/// `kefu learn …`
#[derive(Debug, Subcommand)]
pub enum LearnAction {
    /// Questions the bot handed off and the operators' answers to them.
    List {
        /// One JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Make a suggestion an FAQ entry (used from the next start on).
    Approve {
        /// The suggestion's conversation id.
        conversation: String,
        /// The question as the FAQ should hold it (default: the customer's).
        #[arg(long)]
        question: Option<String>,
        /// The answer as the FAQ should hold it (default: the operator's).
        #[arg(long)]
        answer: Option<String>,
    },
    /// Drop a suggestion.
    Reject {
        /// The suggestion's conversation id.
        conversation: String,
    },
    /// Replay every learned question against the FAQ: each must still find
    /// its own entry (exit status 1 when one does not).
    Check {
        /// One JSON array.
        #[arg(long)]
        json: bool,
    },
}

/// `kefu customer …`
#[derive(Debug, Subcommand)]
pub enum CustomerAction {
    /// List sender identities linked to customers (all, or one customer's),
    /// with how they proved it and until when.
    Links {
        /// Only this customer's links (a user id).
        customer: Option<String>,
    },
    /// Remove a sender's link: their next conversation starts unverified.
    Unlink {
        /// The identity as `links` prints it, e.g. `telegram:1001`.
        identity: String,
    },
    /// Print everything kefu holds about a customer (JSON).
    Export {
        /// The user id, e.g. `li_wei_6909`.
        customer: String,
    },
    /// Erase what kefu recorded about a customer (conversations, messages,
    /// profile, links); the shop's own records stay.
    Forget {
        /// The user id.
        customer: String,
    },
    /// Prune what `[retention]` no longer allows, now (the daemon does it
    /// daily).
    Prune,
}
