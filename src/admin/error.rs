//! Why an admin operation failed, as a type: the API answers each kind
//! with its own status, and the command line shows the sentence.

use crate::store::StoreError;

/// Why an admin operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// What was asked for is not there: a conversation, a shop record or
    /// kind of record, a learning suggestion (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// The action does not apply to the conversation as it is: not handed
    /// off, answered already, an unknown snippet (HTTP 409).
    #[error("{0}")]
    Refused(String),
    /// Anything else: the store failed, the daemon could not be reached
    /// (HTTP 500).
    #[error("{0:#}")]
    Failed(anyhow::Error),
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Refused(why) => AdminError::Refused(why),
            other => AdminError::Failed(other.into()),
        }
    }
}

impl From<anyhow::Error> for AdminError {
    /// Keeps the kind of the errors below it that have one: a refusal of
    /// the store, a suggestion that is not there.
    fn from(e: anyhow::Error) -> Self {
        let e = match e.downcast::<StoreError>() {
            Ok(store) => return store.into(),
            Err(e) => e,
        };
        match e.downcast::<crate::learn::NoSuggestion>() {
            Ok(missing) => AdminError::NotFound(missing.to_string()),
            Err(e) => AdminError::Failed(e),
        }
    }
}

impl From<serde_json::Error> for AdminError {
    fn from(e: serde_json::Error) -> Self {
        AdminError::Failed(e.into())
    }
}

/// Shorthand for admin results.
pub type AdminResult<T> = Result<T, AdminError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_below_keep_their_kind() {
        let refused = AdminError::from(anyhow::Error::new(StoreError::Refused(
            "telegram:1 is answered by the bot already".into(),
        )));
        assert!(matches!(refused, AdminError::Refused(_)), "{refused:?}");
        let missing = AdminError::from(anyhow::Error::new(crate::learn::NoSuggestion(
            "telegram:1".into(),
        )));
        assert!(matches!(missing, AdminError::NotFound(_)), "{missing:?}");
        assert!(missing.to_string().starts_with("no suggestion from"));
        let failed = AdminError::from(anyhow::anyhow!("disk full"));
        assert!(matches!(failed, AdminError::Failed(_)), "{failed:?}");
        assert_eq!(failed.to_string(), "disk full");
    }
}
