//! The guard's verdict on a reply: whose words went out and, when they
//! were the template's, why. A type here; a sentence where it is shown.

use super::grounding::Violation;
use crate::lang::Language;
use serde::Serialize;

/// Whose words went out. `--json` shows it as `{"source": "llm"}` or
/// `{"source": "fallback", "reason": "…"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum GuardVerdict {
    /// The LLM's draft passed.
    Llm,
    /// The template's plain answer replaced the draft.
    Fallback {
        /// Why the draft was rejected (or why there was none).
        reason: GuardReason,
    },
}

impl GuardVerdict {
    /// Whose words they were, as the metrics label them: `model` or
    /// `template`.
    pub fn source(&self) -> &'static str {
        match self {
            GuardVerdict::Llm => "model",
            GuardVerdict::Fallback { .. } => "template",
        }
    }
}

/// Why the plain answer went out instead of a draft. Shown (and logged) as
/// a sentence; the sentences are those `--json` always gave.
#[derive(Debug, Clone, PartialEq)]
pub enum GuardReason {
    /// The draft is empty.
    Empty,
    /// The draft is over [`super::MAX_REPLY_CHARS`].
    TooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// The draft was cut off by the token limit, or is only the plain
    /// answer's beginning.
    CutOff,
    /// The draft is not in the customer's language.
    WrongLanguage(Language),
    /// The draft states a fact it was not given.
    Ungrounded(Violation),
    /// The draft says this sentence more than once.
    Repeats(String),
    /// The draft is much longer than the plain answer.
    MuchLonger {
        /// The draft's length in characters.
        chars: usize,
        /// The plain answer's.
        plain: usize,
    },
    /// The draft says an action ran when none did (these words).
    ClaimsAction(&'static str),
    /// The draft promises what the facts do not say (this word).
    Promises(&'static str),
    /// The draft does not ask what the plain answer asks.
    DoesNotAsk,
    /// The draft asks what the plain answer does not.
    AsksUnasked,
    /// The draft commits to a later action (these words) the plain answer
    /// does not.
    Commits(&'static str),
    /// The draft refuses (these words) where the plain answer does not.
    Refuses(&'static str),
    /// The draft leaves out a term the reply must mention.
    LeavesOut(String),
    /// The engine gave no draft (its error).
    Engine(String),
    /// Phrasing is off (`llm.phrase`): no draft was asked for.
    PhrasingOff,
    /// The message was over the channel's cap: no draft was asked for.
    MessageTooLong,
}

impl std::fmt::Display for GuardReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GuardReason::Empty => write!(f, "empty reply"),
            GuardReason::TooLong { chars } => write!(f, "reply too long ({chars} characters)"),
            GuardReason::CutOff => write!(f, "reply cut off"),
            GuardReason::WrongLanguage(language) => write!(f, "reply not in {}", language.code()),
            GuardReason::Ungrounded(violation) => write!(f, "{violation}"),
            GuardReason::Repeats(again) => write!(f, "reply repeats {again:?}"),
            GuardReason::MuchLonger { chars, plain } => write!(
                f,
                "reply much longer than the plain answer ({chars} characters for {plain})"
            ),
            GuardReason::ClaimsAction(claim) => {
                write!(f, "reply claims an action that did not run ({claim:?})")
            }
            GuardReason::Promises(promise) => {
                write!(f, "reply promises {promise:?}, which the facts do not say")
            }
            GuardReason::DoesNotAsk => write!(f, "reply does not ask what the plain answer asks"),
            GuardReason::AsksUnasked => write!(f, "reply asks what the plain answer does not"),
            GuardReason::Commits(commitment) => write!(
                f,
                "reply commits to what the plain answer does not ({commitment:?})"
            ),
            GuardReason::Refuses(refusal) => write!(
                f,
                "reply refuses where the plain answer does not ({refusal:?})"
            ),
            GuardReason::LeavesOut(missing) => write!(f, "reply leaves out {missing:?}"),
            GuardReason::Engine(error) => write!(f, "engine error: {error}"),
            GuardReason::PhrasingOff => write!(f, "phrasing is off (llm.phrase)"),
            GuardReason::MessageTooLong => write!(f, "message too long"),
        }
    }
}

impl Serialize for GuardReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
