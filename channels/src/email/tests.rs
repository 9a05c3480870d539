//! Parsing, threading and reply-building tests on hand-written messages.

use super::parse::{parse, reply_subject, Route};
use super::{smtp, EmailChannel, EmailConfig};
use crate::cursor::MemoryCursorStore;
use crate::model::{ChannelKind, Outbound};
use std::sync::Arc;

fn channel() -> EmailChannel {
    let mut config = EmailConfig::new("shop@example.test", "shop@example.test", "pw");
    config.max_replies_per_hour = 2;
    EmailChannel::new(config, Arc::new(MemoryCursorStore::default()))
}

fn mail(headers: &str, body: &str) -> Vec<u8> {
    format!("{headers}\r\nMIME-Version: 1.0\r\n\r\n{body}")
        .replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .into_bytes()
}

#[test]
fn plain_text_is_preferred_over_html() {
    let raw = mail(
        "From: Alice <Alice@Example.test>\nTo: shop@example.test\nSubject: Order\nMessage-ID: <m1@example.test>\nContent-Type: multipart/alternative; boundary=\"b\"",
        "--b\nContent-Type: text/plain; charset=utf-8\n\nWhere is my order?\n--b\nContent-Type: text/html; charset=utf-8\n\n<p>HTML version</p>\n--b--\n",
    );
    let parsed = parse(&raw).unwrap();
    assert_eq!(parsed.text, "Where is my order?");
    assert_eq!(parsed.from, "alice@example.test");
    assert_eq!(parsed.from_name.as_deref(), Some("Alice"));
    assert_eq!(parsed.message_id, "m1@example.test");
    assert_eq!(parsed.auto_reason, None);
}

#[test]
fn html_only_mail_becomes_text() {
    let raw = mail(
        "From: bob@example.test\nSubject: Hi\nMessage-ID: <h@x>\nContent-Type: text/html; charset=utf-8",
        "<html><body><p>I want to <b>return</b> my lamp.</p><blockquote>old</blockquote></body></html>",
    );
    let text = parse(&raw).unwrap().text;
    assert!(text.contains("I want to return my lamp."), "{text:?}");
    assert!(!text.contains('<'), "{text:?}");
}

#[test]
fn gbk_and_encoded_words_are_decoded() {
    let (body, _, _) = encoding_rs::GBK.encode("我的订单在哪里？订单号 #W1234567");
    let mut raw = mail(
        "From: =?GBK?B?1cXI/Q==?= <zhang@example.test>\nSubject: =?GB2312?B?tqm1pc7KzOI=?=\nMessage-ID: <gbk@x>\nContent-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: 8bit",
        "",
    );
    raw.extend_from_slice(&body);
    let parsed = parse(&raw).unwrap();
    assert_eq!(parsed.text, "我的订单在哪里？订单号 #W1234567");
    assert_eq!(parsed.subject, "订单问题");
    assert_eq!(parsed.from_name.as_deref(), Some("张三"));
}

#[test]
fn quotes_are_stripped_and_attachments_kept_photos_with_their_bytes() {
    let raw = mail(
        "From: a@example.test\nSubject: Re: Order\nMessage-ID: <r2@x>\nIn-Reply-To: <k1@shop>\nReferences: <m1@x> <k1@shop>\nContent-Type: multipart/mixed; boundary=\"b\"",
        "--b\nContent-Type: text/plain\n\nYes, cancel it.\n\nOn Mon, 1 Jan 2024, Shop <shop@example.test> wrote:\n> Shall I cancel?\n--b\nContent-Type: image/png; name=\"photo.png\"\nContent-Disposition: attachment; filename=\"photo.png\"\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n--b--\n",
    );
    let parsed = parse(&raw).unwrap();
    assert_eq!(parsed.text, "Yes, cancel it.");
    assert_eq!(parsed.references, ["m1@x", "k1@shop"]);
    assert_eq!(parsed.in_reply_to.as_deref(), Some("k1@shop"));
    assert_eq!(parsed.attachments.len(), 1);
    assert_eq!(parsed.attachments[0].name.as_deref(), Some("photo.png"));
    assert_eq!(
        parsed.attachments[0].mime_type.as_deref(),
        Some("image/png")
    );
    assert_eq!(parsed.attachments[0].size, Some(5));
    // A photo is kept (for the operators), base64 as it came.
    assert_eq!(parsed.attachments[0].content.as_deref(), Some("aGVsbG8="));
}

#[test]
fn machine_mail_is_recognised() {
    let cases = [
        ("Auto-Submitted: auto-replied", true),
        ("Auto-Submitted: no", false),
        ("Precedence: bulk", true),
        ("Precedence: list", true),
        ("List-Id: <news.example.test>", true),
        ("Return-Path: <>", true),
        ("X-Mailer: Thunderbird", false),
    ];
    for (header, auto) in cases {
        let raw = mail(
            &format!("From: a@example.test\nSubject: x\nMessage-ID: <a@x>\n{header}"),
            "Out of office",
        );
        assert_eq!(parse(&raw).unwrap().auto_reason.is_some(), auto, "{header}");
    }
    let bounce = mail(
        "From: MAILER-DAEMON@example.test\nSubject: Undelivered\nMessage-ID: <b@x>",
        "failed",
    );
    assert!(parse(&bounce).unwrap().auto_reason.is_some());
    let ours = mail(
        "From: Shop <SHOP@example.test>\nSubject: x\nMessage-ID: <o@x>",
        "hi",
    );
    assert!(
        channel().inbound(&parse(&ours).unwrap()).unwrap().auto,
        "our own mail"
    );
}

#[test]
fn reply_subjects_do_not_stack_prefixes() {
    assert_eq!(reply_subject("答复: [Shop] AW: Lieferung"), "Re: Lieferung");
    assert_eq!(reply_subject("回复: 订单问题"), "Re: 订单问题");
    assert_eq!(reply_subject("Re: Re: Lamp"), "Re: Lamp");
    assert_eq!(reply_subject(""), "Re: your message");
}

#[test]
fn a_thread_is_one_conversation() {
    let channel = channel();
    let first = parse(&mail(
        "From: a@example.test\nSubject: Lamp broken\nMessage-ID: <m1@x>",
        "It is broken",
    ))
    .unwrap();
    let first = channel.inbound(&first).unwrap();
    assert_eq!(
        first.thread.id, "m1@x",
        "a new mail is the root of its thread"
    );
    let route = Route::decode(first.thread.route.as_deref().unwrap()).unwrap();
    assert_eq!(route.references, ["m1@x"]);
    assert_eq!(route.to, "a@example.test");

    // A reply to our reply (References kept) joins it.
    let reply = parse(&mail("From: a@example.test\nSubject: Re: Lamp broken\nMessage-ID: <m2@x>\nIn-Reply-To: <k1@shop>\nReferences: <m1@x> <k1@shop>", "ok")).unwrap();
    let reply = channel.inbound(&reply).unwrap();
    assert_eq!(reply.thread.id, "m1@x");
    let route = Route::decode(reply.thread.route.as_deref().unwrap()).unwrap();
    assert_eq!(route.references, ["m1@x", "k1@shop", "m2@x"]);
    // Only In-Reply-To.
    let only = parse(&mail(
        "From: a@example.test\nSubject: x\nMessage-ID: <m3@x>\nIn-Reply-To: <m1@x>",
        "ok",
    ))
    .unwrap();
    assert_eq!(channel.inbound(&only).unwrap().thread.id, "m1@x");
    // Neither: a subject proves nothing, so the mail starts its own thread
    // even with the same sender and subject.
    let fresh = parse(&mail(
        "From: a@example.test\nSubject: RE: lamp  broken\nMessage-ID: <m4@x>",
        "again",
    ))
    .unwrap();
    assert_eq!(channel.inbound(&fresh).unwrap().thread.id, "m4@x");
    // Another sender writing into the thread has a conversation of their own.
    let other = parse(&mail(
        "From: b@example.test\nSubject: Re: Lamp broken\nMessage-ID: <n1@x>\nReferences: <m1@x>",
        "me too",
    ))
    .unwrap();
    let other = channel.inbound(&other).unwrap();
    assert_eq!(other.thread.id, "m1@x");
    assert_ne!(other.conversation_id(), reply.conversation_id());
}

#[test]
fn the_from_is_an_identity_only_with_a_trusted_passing_result() {
    let mut config = EmailConfig::new("shop@example.test", "shop@example.test", "pw");
    config.trusted_authserv_ids = vec!["mx.example.test".into()];
    let channel = EmailChannel::new(config, Arc::new(MemoryCursorStore::default()));
    let headers = "From: ann@mail.test\nTo: shop@example.test\nSubject: hi\nMessage-ID: <a1@x>";
    let plain = parse(&mail(headers, "hi")).unwrap();
    assert!(
        channel.inbound(&plain).unwrap().unauthenticated,
        "no results: a claim"
    );
    // The server's header is on top; one the sender wrote sits below it.
    let signed = format!(
        "Authentication-Results: mx.example.test; dmarc=pass header.from=mail.test\n\
         Authentication-Results: mx.example.test; dmarc=fail header.from=mail.test\n{headers}"
    );
    let signed = parse(&mail(&signed, "hi")).unwrap();
    assert!(!channel.inbound(&signed).unwrap().unauthenticated);
    let forged = format!(
        "Authentication-Results: mx.example.test; dmarc=fail header.from=mail.test\n\
         Authentication-Results: mx.example.test; dmarc=pass header.from=mail.test\n{headers}"
    );
    let forged = parse(&mail(&forged, "hi")).unwrap();
    assert!(
        channel.inbound(&forged).unwrap().unauthenticated,
        "only the topmost result counts"
    );
}

#[test]
fn mail_with_other_recipients_is_shared() {
    let channel = channel();
    let direct = parse(&mail(
        "From: a@example.test\nTo: help@example.test\nSubject: x\nMessage-ID: <d1@x>",
        "hi",
    ))
    .unwrap();
    assert!(
        !channel.inbound(&direct).unwrap().shared,
        "one To: the shop's alias"
    );
    let cc = parse(&mail(
        "From: a@example.test\nTo: shop@example.test\nCc: boss@example.test\nSubject: x\nMessage-ID: <d2@x>",
        "hi",
    ))
    .unwrap();
    assert!(channel.inbound(&cc).unwrap().shared);
    let two = parse(&mail(
        "From: a@example.test\nTo: shop@example.test, friend@example.test\nSubject: x\nMessage-ID: <d3@x>",
        "hi",
    ))
    .unwrap();
    assert!(channel.inbound(&two).unwrap().shared);
}

#[test]
fn a_sender_over_the_rate_limit_is_not_answered() {
    let channel = channel();
    for n in 0..4 {
        let raw = mail(
            &format!("From: loop@example.test\nSubject: s{n}\nMessage-ID: <l{n}@x>"),
            "hi",
        );
        let inbound = channel.inbound(&parse(&raw).unwrap()).unwrap();
        assert_eq!(inbound.auto, n >= 2, "mail {n}");
        if !inbound.auto {
            channel.count_answered("loop@example.test");
        }
    }
}

#[test]
fn replies_carry_ids_and_the_whole_chain() {
    let config = EmailConfig::new("shop@example.test", "shop", "pw");
    let route = Route {
        to: "a@example.test".into(),
        subject: "Re: Lamp".into(),
        references: vec!["m1@x".into(), "k1@shop".into(), "m2@x".into()],
    };
    let outbound = Outbound {
        channel: ChannelKind::Email,
        thread: crate::model::Thread {
            id: "m1@x".into(),
            route: Some(route.encode()),
        },
        text: "Your lamp ships today. 谢谢".into(),
        reply_to: Some("m2@x".into()),
        attachments: vec![],
        annotations: Default::default(),
        buttons: Vec::new(),
    };
    let (message, id) = smtp::build_reply(&config, &outbound).unwrap();
    let (again, id_again) = smtp::build_reply(&config, &outbound).unwrap();
    assert_eq!(id, id_again, "a resent reply keeps its Message-ID");
    assert!(
        id.starts_with("<kefu.") && id.ends_with("@example.test>"),
        "{id}"
    );
    let sent = parse(&message.formatted()).unwrap();
    assert_eq!(sent.in_reply_to.as_deref(), Some("m2@x"));
    assert_eq!(sent.references, ["m1@x", "k1@shop", "m2@x"]);
    assert_eq!(sent.subject, "Re: Lamp");
    assert_eq!(sent.text, "Your lamp ships today. 谢谢");
    assert_eq!(sent.message_id, id.trim_matches(|c| c == '<' || c == '>'));
    assert_eq!(
        sent.auto_reason,
        Some("Auto-Submitted"),
        "marked auto-replied for the customer's robots"
    );
    assert_eq!(again.envelope().to()[0].to_string(), "a@example.test");
}

#[test]
fn imap_dates() {
    assert_eq!(super::imap::imap_date(0), "1-Jan-1970");
    assert_eq!(super::imap::imap_date(1_709_251_200), "1-Mar-2024");
    assert_eq!(super::imap::imap_date(1_735_603_200), "31-Dec-2024");
}
