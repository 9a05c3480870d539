//! Reducing a mail body to what the customer wrote this time: quoted
//! history ("On … wrote:", "在…写道：", "-----Original Message-----",
//! Outlook header blocks, `>` lines) and the signature (after "-- ") are cut.

/// The new text of a mail body: quoted history and signature removed, blank
/// runs collapsed, trimmed. If nothing would be left (a mail that is only a
/// quote), the whole body is kept, trimmed, so no customer text is lost.
pub fn strip_quotes_and_signature(body: &str) -> String {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = body.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if is_signature_delimiter(line) || starts_history(&lines, i) {
            break;
        }
        if line.trim_start().starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    while kept
        .last()
        .is_some_and(|l| is_device_footer(l) || l.trim().is_empty())
    {
        kept.pop();
    }
    let text = collapse_blank_runs(&kept);
    if text.is_empty() {
        collapse_blank_runs(&lines.iter().map(|l| l.trim_end()).collect::<Vec<_>>())
    } else {
        text
    }
}

/// `-- ` (RFC 3676) or a bare `--` line starts the signature.
fn is_signature_delimiter(line: &str) -> bool {
    line == "-- " || line == "--" || line == "—— "
}

/// "Sent from my iPhone" and its Chinese forms, at the very end.
fn is_device_footer(line: &str) -> bool {
    let l = line.trim();
    l.starts_with("Sent from my ")
        || l.starts_with("发自我的")
        || l.starts_with("从我的") && l.contains("发送")
}

/// Whether line `i` begins the quoted history of earlier mail.
fn starts_history(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim();
    let lower = line.to_lowercase();
    // "On Mon, 1 Jan 2024 at 10:00, Alice <a@example.com> wrote:", which
    // some clients wrap over two lines.
    if lower.starts_with("on ") {
        if lower.ends_with("wrote:") {
            return true;
        }
        if let Some(next) = lines.get(i + 1) {
            if next.trim().to_lowercase().ends_with("wrote:") && !next.trim().is_empty() {
                return true;
            }
        }
    }
    // "在 2024年1月1日 10:00，张三 <z@example.com> 写道：" (and traditional 寫道).
    if line.starts_with('在') && (line.contains("写道") || line.contains("寫道")) {
        return true;
    }
    if (line.ends_with("写道：") || line.ends_with("写道:")) && line.len() < 200 {
        return true;
    }
    let bare = line
        .trim_matches(|c: char| c == '-' || c == ' ')
        .to_lowercase();
    if line.starts_with("---")
        && matches!(
            bare.as_str(),
            "original message" | "原始邮件" | "原始郵件" | "forwarded message" | "转发的邮件"
        )
    {
        return true;
    }
    // An Outlook-style block: "From: …" followed shortly by "Sent:"/"Date:"
    // (or 发件人/发送时间).
    let header_start = ["from:", "发件人:", "发件人："];
    if header_start.iter().any(|h| lower.starts_with(h)) {
        let follows = lines.iter().skip(i + 1).take(4).any(|l| {
            let l = l.trim().to_lowercase();
            ["sent:", "date:", "发送时间", "日期:", "日期："]
                .iter()
                .any(|h| l.starts_with(h))
        });
        return follows;
    }
    false
}

/// Join lines, keeping at most one blank line in a row, trimmed at both ends.
fn collapse_blank_runs(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        if line.trim().is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strip_quotes_and_signature as strip;

    #[test]
    fn english_reply_header_and_quoted_lines_are_cut() {
        let body = "Where is my order #W1234567?\r\n\r\nOn Mon, 1 Jan 2024 at 10:00, Shop <shop@example.test> wrote:\r\n> Thanks for your mail.\r\n> Regards\r\n";
        assert_eq!(strip(body), "Where is my order #W1234567?");
    }

    #[test]
    fn wrapped_reply_header_is_cut() {
        let body = "Yes please cancel it.\n\nOn Tue, Jan 2, 2024 at 9:15 AM Kefu Shop\n<shop@example.test> wrote:\n\n> Do you want to cancel?\n";
        assert_eq!(strip(body), "Yes please cancel it.");
    }

    #[test]
    fn chinese_reply_header_is_cut() {
        let body = "我的订单到哪里了？\n\n在 2024年1月1日 周一 10:00，客服 <shop@example.test> 写道：\n> 您好\n";
        assert_eq!(strip(body), "我的订单到哪里了？");
        let qq = "好的，谢谢\n\n------------------ 原始邮件 ------------------\n发件人: \"客服\"<shop@example.test>;\n";
        assert_eq!(strip(qq), "好的，谢谢");
    }

    #[test]
    fn signature_and_device_footer_are_cut() {
        let body = "Please change the address.\n\nSent from my iPhone\n";
        assert_eq!(strip(body), "Please change the address.");
        let body = "Please change the address.\n-- \nAlice Example\nACME Corp\n";
        assert_eq!(strip(body), "Please change the address.");
    }

    #[test]
    fn outlook_block_is_cut_and_inline_text_kept() {
        let body = "Hi,\nI want a refund.\n\nFrom: Shop <shop@example.test>\nSent: Monday, January 1, 2024 10:00\nTo: alice@example.test\nSubject: Your order\n\nOld text";
        assert_eq!(strip(body), "Hi,\nI want a refund.");
        let body = "From: the shop I bought a lamp\nit is broken";
        assert_eq!(strip(body), "From: the shop I bought a lamp\nit is broken");
    }

    #[test]
    fn a_mail_that_is_only_a_quote_keeps_its_text() {
        assert_eq!(strip("> only quoted\n> text\n"), "> only quoted\n> text");
    }

    #[test]
    fn blank_runs_collapse() {
        assert_eq!(
            strip("\n\nline one\n\n\n\nline two\n\n"),
            "line one\n\nline two"
        );
    }
}
