//! Conversations that reach the goal over τ-bench's shop (read from
//! `../shared/`), templates only: a question unanswered twice makes its
//! request unresolved and the next one follows; an order told by where it
//! ships; a yes that restates the proposal executes; a second choice of
//! option where the first cannot be had; "every pending order except …".

use super::{converse_with, order, sample_shop, shop, steps, text, TEMPLATES_ONLY};
use serde_json::Value;
use support::Sandbox;

fn talk(sandbox: &Sandbox, session: &str, lines: &[&str]) -> Vec<Value> {
    converse_with(sandbox, session, lines, TEMPLATES_ONLY)
}

#[test]
fn a_question_unanswered_twice_moves_on_to_the_next_request() {
    let shop = shop();
    let r = talk(
        &shop,
        "unresolved",
        &[
            "Hi, I'm Daiki Johnson, zip code 80273. I want to change the address of my pending \
             order. I also want to cancel the order with the garden hose because I no longer \
             need it.",
            "I don't remember the order number.",
            "I don't remember.",
            "Yes, please cancel it.",
        ],
    );
    assert_eq!(steps(&r), ["ask_order", "ask_order", "unresolved", "done"]);
    // Said unresolved with what is missing, then the next request at once.
    assert!(text(&r[2]).contains("which order"), "{}", text(&r[2]));
    // Named by what it is, not by the customer's words echoed back.
    assert!(
        text(&r[2]).starts_with("I could not settle your change yet"),
        "{}",
        text(&r[2])
    );
    assert!(!text(&r[2]).contains("80273"), "{}", text(&r[2]));
    assert!(
        text(&r[2]).contains("I will cancel order #W5282037"),
        "{}",
        text(&r[2])
    );
    assert_eq!(order(&shop, "#W5282037")["status"], "cancelled");
    assert_eq!(order(&shop, "#W1436802")["status"], "pending");
}

#[test]
fn an_order_told_by_where_it_ships() {
    let shop = shop();
    let r = talk(
        &shop,
        "denver",
        &[
            "Hi, I'm Daiki Johnson, zip code 80273. Please cancel my pending order that ships \
             to Denver, I ordered it by mistake.",
            // A yes that restates the proposal is a yes.
            "Yes, please cancel it.",
        ],
    );
    assert_eq!(steps(&r), ["confirm", "done"]);
    assert!(text(&r[0]).contains("#W5282037"), "{}", text(&r[0]));
    assert_eq!(order(&shop, "#W5282037")["status"], "cancelled");
    assert_eq!(order(&shop, "#W1436802")["status"], "pending");
}

#[test]
fn a_yes_with_a_change_is_not_a_yes() {
    let shop = shop();
    let r = talk(
        &shop,
        "hedge",
        &[
            "Hi, I'm Daiki Johnson, zip code 80273. Please cancel my pending order that ships \
             to Denver, I ordered it by mistake.",
            "ok maybe",
            "yes but only the makeup kit",
        ],
    );
    assert_eq!(r[0]["step"], "confirm");
    assert!(r.iter().all(|x| x["step"] != "done"), "{r:?}");
    assert_eq!(order(&shop, "#W5282037")["status"], "pending");
}

#[test]
fn a_second_choice_where_the_first_cannot_be_had() {
    let shop = shop();
    // The hose is green latex, 25 ft; no green latex hose comes in 50 ft,
    // a black one does.
    let r = talk(
        &shop,
        "hose",
        &[
            "Hi, I'm Daiki Johnson, zip code 80273. I want the garden hose in my pending order \
             changed to the 50-foot one in the same material, green if possible and otherwise \
             black. Use my PayPal for the difference.",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["confirm", "done"], "{r:?}");
    let hose = order(&shop, "#W5282037");
    let ids: Vec<&str> = hose["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"4024196380"), "{ids:?}");
}

#[test]
fn every_pending_order_except_the_one_with_a_product() {
    let shop = shop();
    let r = talk(
        &shop,
        "except",
        &[
            "Hi, I'm Fatima Martin, zip code 92151. I want to cancel every pending order I \
             have, except any order that includes a perfume, because I no longer need them.",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["confirm", "done"], "{r:?}");
    assert_eq!(order(&shop, "#W7538230")["status"], "cancelled");
    assert_eq!(order(&shop, "#W3376947")["status"], "pending");
}

#[test]
fn the_gift_card_balance_comes_from_the_data() {
    let shop = shop();
    let r = talk(
        &shop,
        "balance",
        &[
            "Hi, I'm Juan Garcia, zip code 75253. How much is the balance on my gift card?",
            "Please cancel my pending order, I no longer need it. And what is my gift card \
             balance now?",
            "yes",
            "what's my gift card balance?",
        ],
    );
    assert_eq!(r[0]["step"], "balance");
    assert!(text(&r[0]).contains("$24.00"), "{}", text(&r[0]));
    // Answered, then the request goes on in the same reply.
    assert!(
        text(&r[1]).contains("I will cancel order #W1013897"),
        "{}",
        text(&r[1])
    );
    assert_eq!(r[2]["step"], "done");
    // After the refund to the gift card, the new figure.
    assert!(text(&r[3]).contains("$176.56"), "{}", text(&r[3]));
}

#[test]
fn a_change_only_asked_about_is_answered_and_waits_for_a_yes() {
    let shop = sample_shop();
    let r = talk(
        &shop,
        "quote",
        &[
            "Hi, liwei.sea@example.com (zip 98101) here. How much would I get back if I returned the \
             earbuds from #W4385563?",
            // Anything but a yes leaves it as it is.
            "ok, good to know",
        ],
    );
    assert_eq!(steps(&r)[0], "quote", "{r:?}");
    assert!(
        text(&r[0]).contains("Nothing is requested yet"),
        "{}",
        text(&r[0])
    );
    assert!(text(&r[0]).contains("$119.00"), "{}", text(&r[0]));
    assert_eq!(order(&shop, "#W4385563")["status"], "delivered");
    // Asked, then wanted: a yes makes it so.
    let r = talk(
        &shop,
        "quote-then-yes",
        &[
            "Hi, liwei.sea@example.com (zip 98101) here. How much would I get back if I returned the \
             earbuds from #W4385563?",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["quote", "done"]);
    assert_eq!(order(&shop, "#W4385563")["status"], "return requested");
}

#[test]
fn several_item_changes_on_one_order_are_one_change() {
    let shop = shop();
    let r = talk(
        &shop,
        "one-change",
        &[
            "Hi, I'm Lucas Martin, zip code 20517. I'd like both air purifiers in my pending \
             order to have night mode, each keeping its room size. I also want the keyboard in \
             that order changed to linear switches. Any difference should go to my credit card.",
            "yes",
            "Oh, and the wall clock in that order changed to black, please.",
        ],
    );
    assert_eq!(r[0]["step"], "confirm", "{r:?}");
    let proposal = text(&r[0]);
    // Both purifiers and the keyboard in one proposal, and what had to
    // change beyond what was asked is said.
    assert!(proposal.contains("change 3 item(s)"), "{proposal}");
    assert!(
        proposal.contains("also backlight white → RGB"),
        "{proposal}"
    );
    assert_eq!(r[1]["step"], "done");
    let after = order(&shop, "#W9318778");
    let ids: Vec<&str> = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_str().unwrap())
        .collect();
    // Small ionic → small HEPA night mode; medium HEPA quiet → medium
    // HEPA night mode; clicky white → linear RGB (no linear white left).
    for id in [
        "7166996157",
        "1327854740",
        "1151293680",
        "2143041831",
        "9850781806",
    ] {
        assert!(ids.contains(&id), "{id} not in {ids:?}");
    }
    // A second change of the same order's items is refused for what it is.
    assert_eq!(r[2]["step"], "refused");
    assert!(
        text(&r[2]).contains("already changed once"),
        "{}",
        text(&r[2])
    );
}

#[test]
fn one_of_two_items_by_price_and_options_said_to_stay() {
    let shop = shop();
    // No large backpack keeps both colour and compartment: said, not
    // replaced by one that changes them.
    let r = talk(
        &shop,
        "keep-none",
        &[
            "Hi, I'm Mohamed Lee, zip code 75372. I want to exchange the cheaper of the two \
             backpacks I received for a large one, keeping the same color and compartment. Use \
             my credit card for any difference.",
        ],
    );
    assert_eq!(r[0]["step"], "refused", "{r:?}");
    assert!(text(&r[0]).contains("not available"), "{}", text(&r[0]));
    // Keeping compartment and material can be had: the cheaper of the two
    // (medium, $212.79) becomes a large laptop backpack in polyester.
    let r = talk(
        &shop,
        "keep-some",
        &[
            "Hi, I'm Mohamed Lee, zip code 75372. I want to exchange the cheaper of the two \
             backpacks I received for a large one, keeping the same compartment and material. \
             Use my credit card for any difference.",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["confirm", "done"], "{r:?}");
    let proposal = text(&r[0]);
    assert!(
        proposal.contains("exchange of 1 item(s)")
            && proposal.contains("Backpack (grey, laptop, polyester, medium) →")
            && proposal.contains("laptop, polyester, large)"),
        "{proposal}"
    );
    assert!(proposal.contains("also color grey →"), "{proposal}");
    let after = order(&shop, "#W7913362");
    let new: Vec<&str> = after["exchange_new_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert!(new == ["6906307980"] || new == ["8084436579"], "{new:?}");
    assert_eq!(after["exchange_items"][0], "5917587651");
}

#[test]
fn items_of_one_request_in_two_orders_and_an_order_told_by_an_item() {
    let shop = shop();
    // The bookshelf and the wristwatch came in different deliveries: one
    // return each, in turn, never "which order?".
    let r = talk(
        &shop,
        "two-orders",
        &[
            "Hi, I'm Omar Lopez, zip code 90339. I want to return the bookshelf and the \
             wristwatch, refunded to my PayPal.",
            "yes",
            "yes",
            "How much do I get back in total?",
        ],
    );
    assert_eq!(steps(&r), ["confirm", "done", "done", "refunds"], "{r:?}");
    // The total from what was done: $467.86 + $2009.03.
    assert!(
        text(&r[3]).contains("In total $2476.89 is refunded"),
        "{}",
        text(&r[3])
    );
    assert_eq!(
        order(&shop, "#W7273336")["return_items"],
        serde_json::json!(["8018699955"])
    );
    assert_eq!(
        order(&shop, "#W1764038")["return_items"],
        serde_json::json!(["2226219750"])
    );
    // "the order that had my tea kettle": the kettle tells which order;
    // everything else in it is returned, the kettle kept.
    let shop = super::shop();
    let r = talk(
        &shop,
        "anchor",
        &[
            "Hi, I'm Omar Lopez, zip code 90339. From the order that had my tea kettle, I want \
             to return everything except the kettle, refunded to my PayPal.",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["confirm", "done"], "{r:?}");
    let mut returned: Vec<String> =
        serde_json::from_value(order(&shop, "#W1764038")["return_items"].clone()).unwrap();
    returned.sort();
    assert_eq!(returned, ["2226219750", "4326528037"]);
}

#[test]
fn an_orders_address_changes_before_its_items_lock_it() {
    let shop = shop();
    let r = talk(
        &shop,
        "plan",
        &[
            "Hi, I'm Lucas Martin, zip code 20517. I want the wall clock in my pending order \
             changed to the 12-inch one, any difference on my credit card. Also please ship \
             that order to 8 Pine Rd, Apt 3, Albany, NY 12203 instead.",
            "yes",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["confirm", "done", "done"], "{r:?}");
    // Said second, done first: after the items change the order could
    // no longer take a new address.
    assert!(
        text(&r[0]).contains("shipping address of order #W9318778"),
        "{}",
        text(&r[0])
    );
    let after = order(&shop, "#W9318778");
    assert_eq!(after["address"]["city"], "Albany");
    assert_eq!(after["status"], "pending (item modified)");
}

#[test]
fn an_option_asked_with_no_item_finds_the_order_whose_product_has_it() {
    let shop = shop();
    // The latest order has no keyboard; the one with the keyboard is meant.
    let r = talk(
        &shop,
        "wants",
        &[
            "Hi, I'm Lucas Martin, zip code 20517. For the order that I've just placed, I \
           picked the wrong switch type, change it to linear switches, difference on my \
           credit card.",
        ],
    );
    assert_eq!(r[0]["step"], "confirm", "{r:?}");
    assert!(
        text(&r[0]).contains("order #W9318778: Mechanical Keyboard"),
        "{}",
        text(&r[0])
    );
}

#[test]
fn a_return_asks_where_the_refund_goes_when_a_gift_card_could_take_it() {
    let shop = shop();
    let r = talk(
        &shop,
        "refund-to",
        &[
            "Hi, I'm Olivia Ito, zip code 80218. I want to return the sneakers and the \
             espresso machine.",
            // An answer to the question, although "gift card" alone reads
            // as shopping for a gift.
            "my gift card",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["ask_payment", "confirm", "done"]);
    // The policy's two choices, by name, before anything is proposed.
    assert!(
        text(&r[0]).contains("original payment method (your PayPal)"),
        "{}",
        text(&r[0])
    );
    assert!(
        text(&r[0]).contains("gift card (balance $56)"),
        "{}",
        text(&r[0])
    );
    assert!(
        text(&r[1]).contains("refunded to your gift card"),
        "{}",
        text(&r[1])
    );
    let returned = order(&shop, "#W5866402");
    assert_eq!(returned["status"], "return requested");
    assert_eq!(returned["return_payment_method_id"], "gift_card_7794233");
}

#[test]
fn a_change_done_says_what_changed_and_this_order_is_the_one_just_changed() {
    let shop = shop();
    let r = talk(
        &shop,
        "this-order",
        &[
            "Hi, I'm Olivia Ito, zip code 80218. Please pay order #W7941031 with my PayPal \
             instead.",
            "yes",
            // No number: the order the conversation is on, not a question
            // which of the three pending ones.
            "Actually, please cancel this order, I ordered it by mistake.",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["confirm", "done", "confirm", "done"]);
    assert!(
        text(&r[1]).contains("the payment method of order #W7941031 is changed to your PayPal"),
        "{}",
        text(&r[1])
    );
    assert!(
        text(&r[2]).contains("cancel order #W7941031"),
        "{}",
        text(&r[2])
    );
    assert_eq!(order(&shop, "#W7941031")["status"], "cancelled");
    assert_eq!(order(&shop, "#W5442520")["status"], "pending");
    assert_eq!(order(&shop, "#W3657213")["status"], "pending");
}

#[test]
fn a_quality_the_item_lacks_is_the_one_wanted_and_the_story_tells_the_order() {
    let shop = shop();
    let r = talk(
        &shop,
        "quality",
        &[
            // Two orders hold hiking boots; the sentence before the request
            // says which (where they came) and what is wrong with them.
            "Hi, I'm Ethan Lopez, zip code 43275. The hiking boots that came to San Diego let \
             water in, they are not waterproof. Please exchange them for a pair that is, the \
             same size.",
            "my gift card",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["ask_payment", "confirm", "done"], "{r:?}");
    assert!(text(&r[1]).contains("#W8632528"), "{}", text(&r[1]));
    // Waterproof and still size 10; the leather one is sold out, so the
    // material change is said, not silent.
    assert!(
        text(&r[1]).contains("material leather → synthetic"),
        "{}",
        text(&r[1])
    );
    let exchanged = order(&shop, "#W8632528");
    assert_eq!(exchanged["status"], "exchange requested");
    assert_eq!(
        exchanged["exchange_new_items"],
        serde_json::json!(["1615379700"])
    );
    assert_eq!(order(&shop, "#W8073920")["status"], "pending");
}

#[test]
fn a_wanted_size_with_no_item_named_goes_to_the_item_that_is_not_that_size() {
    let shop = shop();
    let r = talk(
        &shop,
        "larger-one",
        &[
            // Two kettles, one already 1 liter: "the larger one" is the
            // other, and "larger" picks it rather than asking a size up.
            "Hi, I'm Mia Gonzalez, zip code 28216. Could you make the larger one 1L instead? \
             Keep its material and stovetop type as they are.",
            "my gift card",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["ask_payment", "confirm", "done"], "{r:?}");
    assert!(
        text(&r[1]).contains("Tea Kettle (2 liters, glass, electric) → (1 liter, glass, electric)"),
        "{}",
        text(&r[1])
    );
    assert_eq!(
        order(&shop, "#W8991836")["status"],
        "pending (item modified)"
    );
}

#[test]
fn another_order_is_not_the_one_just_dealt_with() {
    let shop = shop();
    let r = talk(
        &shop,
        "another",
        &[
            // The payment change is for another order: it does not jump
            // ahead of the item change as if both were on one order.
            "Hi, I'm Olivia Ito, zip code 80218. In order #W5442520 please change the hiking \
             boots to size 9, and for another order, change the payment to PayPal.",
            "PayPal please",
            "yes",
            "#W7941031",
            "yes",
        ],
    );
    assert_eq!(
        steps(&r),
        ["ask_payment", "confirm", "done", "confirm", "done"],
        "{r:?}"
    );
    assert!(text(&r[1]).contains("order #W5442520"), "{}", text(&r[1]));
    // Asked which order, the one just changed is no longer offered.
    let asked = text(&r[2]);
    assert!(asked.contains("#W7941031"), "{asked}");
    assert!(
        !asked[asked.find("Which order").unwrap()..].contains("#W5442520"),
        "{asked}"
    );
    assert_eq!(
        order(&shop, "#W5442520")["status"],
        "pending (item modified)"
    );
    assert_eq!(
        order(&shop, "#W7941031")["payment_history"][1]["payment_method_id"],
        "paypal_8049766"
    );
}

#[test]
fn a_total_asked_with_the_returns_follows_the_last_of_them() {
    let shop = shop();
    let r = talk(
        &shop,
        "owed-total",
        &[
            "Hi, I'm Ava Kovacs, zip code 75346. Please return the backpack I received, and \
             the luggage set and sunglasses from my other delivery; put every refund on my gift \
             card. How much do I get back in total?",
            "yes",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["confirm", "done", "done"], "{r:?}");
    // Not a question left hanging: the total once both are done.
    assert!(!text(&r[1]).contains("In total"), "{}", text(&r[1]));
    assert!(
        text(&r[2]).contains("In total $1011.79 is refunded"),
        "{}",
        text(&r[2])
    );
}

#[test]
fn only_if_it_exists_means_exactly_that_or_nothing() {
    let shop = shop();
    // The vacuum is a bagged, cordless canister; a bagless canister comes
    // only with pet hair removal: not what was asked, so nothing changes.
    let r = talk(
        &shop,
        "vacuum",
        &[
            "Hi, I'm Sofia Hernandez, zip code 98193. Could the vacuum from my delivered order \
             be exchanged for a bagless one of the same type and feature? Only if such a one \
             exists; otherwise leave the vacuum alone. My credit card for any difference.",
        ],
    );
    assert_ne!(steps(&r).last().copied(), Some("confirm"), "{r:?}");
    let said = text(r.last().unwrap());
    assert!(!said.contains("pet hair"), "{said}");
    assert_eq!(order(&shop, "#W6876713")["status"], "delivered");
}

#[test]
fn both_of_them_with_no_product_named_is_the_pair_the_order_holds() {
    let shop = shop();
    // The order holds two identical 500ml water bottles beside three
    // other products; "both of them" can only be the pair.
    let r = talk(
        &shop,
        "pair",
        &[
            "Hi, I'm Sophia Jackson, zip code 77035. Please exchange both of them for a bigger \
             size in the same material; the colour doesn't matter. Use my credit card.",
        ],
    );
    let said = text(r.last().unwrap());
    assert_eq!(steps(&r).last().copied(), Some("confirm"), "{r:?}");
    assert!(said.contains("2 item(s)"), "{said}");
    assert_eq!(said.matches("→ (750ml, ").count(), 2, "{said}");
}

#[test]
fn the_alternative_asked_for_when_the_change_cannot_be_had() {
    let shop = shop();
    // No red 500ml steel bottle is sold: the return she asked for instead.
    let r = talk(
        &shop,
        "instead",
        &[
            "Hi, I'm Sophia Jackson, zip code 77035. I'd like to exchange one water bottle \
             for a red one of the same size; if that isn't available, I want to return it \
             instead.",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["confirm", "done"], "{r:?}");
    let proposal = text(&r[0]);
    assert!(proposal.contains("return of 1 item(s)"), "{proposal}");
    assert!(proposal.contains("is not available"), "{proposal}");
    assert_eq!(order(&shop, "#W3977493")["status"], "return requested");
}

#[test]
fn an_order_named_for_its_address_is_not_the_order_changed() {
    let shop = shop();
    // The laptop is in the pending order (New York); the smart watch order
    // was delivered in Austin: its address is wanted, not its order.
    let r = talk(
        &shop,
        "address source",
        &[
            "Hi, I'm Ethan Sanchez, zip code 78782. Please ship my pending laptop order to the \
             same address my smart watch order went to.",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["confirm", "done"], "{r:?}");
    assert!(text(&r[0]).contains("Austin"), "{}", text(&r[0]));
    assert_eq!(order(&shop, "#W9102111")["address"]["city"], "Austin");
}

#[test]
fn an_email_said_again_is_no_question_for_the_faq() {
    let shop = shop();
    // The shop's FAQ has an entry that gives its own email address; an
    // email said as an answer shares words with it, and asks nothing.
    let r = talk(
        &shop,
        "email again",
        &[
            "Hi, I'm Ethan Sanchez, zip code 78782.",
            "My email is ethan.sanchez@example.com.",
        ],
    );
    assert_ne!(steps(&r)[1], "faq", "{r:?}");
    assert!(!text(&r[1]).contains("@pinecone"), "{}", text(&r[1]));
}
