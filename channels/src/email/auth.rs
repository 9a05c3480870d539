//! Whether a mail's From is authenticated: the receiving server's
//! `Authentication-Results` header (RFC 8601) shows DMARC pass for the From
//! domain, or a DKIM signature that passed for a domain aligned with it.
//!
//! Anyone can write an `Authentication-Results` header into the mail they
//! send, so only the topmost one counts (the receiving server adds its own
//! on top and, per RFC 8601 §5, removes forged ones carrying its id), and
//! only when its authserv-id is one the shop configured as trusted.

/// The verdict of one `Authentication-Results` value on one From domain.
pub fn from_is_authenticated(header: &str, trusted: &[String], from_domain: &str) -> bool {
    let value = strip_comments(header);
    let mut segments = value.split(';');
    let Some(authserv_id) = segments
        .next()
        .and_then(|s| s.split_whitespace().next())
        .map(str::to_ascii_lowercase)
    else {
        return false;
    };
    if !trusted
        .iter()
        .any(|t| t.trim().eq_ignore_ascii_case(&authserv_id))
    {
        return false;
    }
    let from_domain = from_domain.trim().to_ascii_lowercase();
    segments.any(|segment| {
        let mut tokens = segment.split_whitespace();
        let Some((method, result)) = tokens.next().and_then(|t| t.split_once('=')) else {
            return false;
        };
        if !result.eq_ignore_ascii_case("pass") {
            return false;
        }
        let property = |name: &str| {
            segment.split_whitespace().find_map(|t| {
                let (key, value) = t.split_once('=')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| value.trim_matches('"').to_ascii_lowercase())
            })
        };
        match method.to_ascii_lowercase().as_str() {
            // A DMARC pass names the From domain it was evaluated for.
            "dmarc" => property("header.from").is_none_or(|d| d == from_domain),
            // DKIM passes for the signing domain; it vouches for From only
            // when aligned with it (relaxed: same domain or a parent).
            "dkim" => property("header.d")
                .or_else(|| property("header.i").map(|i| i.rsplit('@').next().unwrap_or("").into()))
                .is_some_and(|d| aligned(&d, &from_domain)),
            _ => false,
        }
    })
}

/// The domain of an address (`ann@example.com` → `example.com`).
pub fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
}

/// Relaxed alignment: the signing domain is the From domain or a parent of
/// it with at least two labels (`mail.example.com` ← `example.com`).
fn aligned(signing: &str, from: &str) -> bool {
    if signing.is_empty() || !signing.contains('.') {
        return false;
    }
    from == signing || from.ends_with(&format!(".{signing}"))
}

/// The header without RFC 5322 comments (`(…)`, nested).
fn strip_comments(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut depth = 0usize;
    for c in value.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted() -> Vec<String> {
        vec!["mx.shop.test".into()]
    }

    #[test]
    fn dmarc_pass_from_the_trusted_server_authenticates() {
        let header = "mx.shop.test; spf=pass smtp.mailfrom=ann@mail.test; \
                      dmarc=pass (p=reject dis=none) header.from=mail.test";
        assert!(from_is_authenticated(header, &trusted(), "mail.test"));
        assert!(!from_is_authenticated(header, &trusted(), "other.test"));
    }

    #[test]
    fn an_untrusted_server_or_a_failing_result_does_not() {
        let forged = "mx.evil.test; dmarc=pass header.from=mail.test";
        assert!(!from_is_authenticated(forged, &trusted(), "mail.test"));
        let failed = "mx.shop.test; dmarc=fail header.from=mail.test; spf=pass";
        assert!(!from_is_authenticated(failed, &trusted(), "mail.test"));
        // SPF alone checks the envelope, not From.
        let spf = "mx.shop.test; spf=pass smtp.mailfrom=mail.test";
        assert!(!from_is_authenticated(spf, &trusted(), "mail.test"));
    }

    #[test]
    fn dkim_counts_only_when_aligned_with_from() {
        let header =
            "mx.shop.test (comment; with = signs); dkim=pass header.d=mail.test header.s=s1";
        assert!(from_is_authenticated(header, &trusted(), "mail.test"));
        assert!(from_is_authenticated(header, &trusted(), "eu.mail.test"));
        assert!(!from_is_authenticated(header, &trusted(), "evilmail.test"));
        let other = "mx.shop.test; dkim=pass header.d=bulk-sender.test";
        assert!(!from_is_authenticated(other, &trusted(), "mail.test"));
    }
}
