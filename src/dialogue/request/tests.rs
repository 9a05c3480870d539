//! Reading requests from customers' words, over the sample shop's catalog.

use super::*;
use crate::shop::Product;
use std::collections::BTreeMap;

fn catalog() -> words::Catalog {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/products.json");
    let products: BTreeMap<String, Product> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let products: Vec<Product> = products.into_values().collect();
    let zh = [("白色".to_string(), "white".to_string())];
    let aliases = [("卫衣".to_string(), "Hoodie".to_string())];
    words::Catalog::new(&products, &aliases, &zh)
}

fn kinds(requests: &[Request]) -> Vec<RequestKind> {
    requests.iter().map(|r| r.kind).collect()
}

#[test]
fn two_requests_in_one_message_are_two() {
    let r = parse(
        "Hi, I'm Li Wei. Please cancel #W3767039 because I ordered it by mistake, and \
         also return the earbuds from #W4385563 to my gift card.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Cancel, RequestKind::Return]);
    assert_eq!(r[0].order_ids, ["#W3767039"]);
    assert_eq!(r[0].reason.as_deref(), Some("ordered by mistake"));
    assert_eq!(r[1].order_ids, ["#W4385563"]);
    assert_eq!(r[1].items[0].products, ["Noise-Cancelling Earbuds"]);
    assert_eq!(r[1].payment.as_deref(), Some("gift card"));
    let r = parse(
        "please pay order #W3767039 with the visa ending in 4417 instead",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyPayment]);
    assert_eq!(r[0].payment.as_deref(), Some("card ending 4417"));
}

#[test]
fn items_named_without_an_order_id() {
    let r = parse("I want to return the hoodie and the t-shirt", &catalog());
    assert_eq!(kinds(&r), [RequestKind::Return]);
    assert!(r[0].order_ids.is_empty());
    let products: Vec<_> = r[0].items.iter().map(|i| i.products[0].as_str()).collect();
    assert_eq!(products, ["Hoodie", "T-Shirt"]);
}

#[test]
fn a_variant_by_description_with_what_it_is_now() {
    let r = parse(
        "I got a black hoodie in size M. I'd like to exchange it for a grey zip-up one \
         instead of the pullover, whichever is cheaper.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Exchange]);
    let item = &r[0].items[0];
    assert_eq!(item.products, ["Hoodie"]);
    assert!(item.from.contains(&"black".to_string()), "{item:?}");
    let wanted: Vec<_> = item.to.iter().map(|(_, v)| v.as_str()).collect();
    assert!(
        wanted.contains(&"grey") && wanted.contains(&"zip-up"),
        "{item:?}"
    );
    assert!(!wanted.contains(&"pullover"), "{item:?}");
    assert!(item.cheapest || r[0].cheapest, "{:?}", r[0]);
}

#[test]
fn whichever_is_cheaper_belongs_to_the_item_it_follows() {
    // The customer does not care about the hoodie's style, so the cheaper
    // one; the power bank they want exactly as said.
    let r = parse(
        "I'd like to exchange the hoodie for a grey one, I don't care about zip-up or \
         pullover, whichever is cheaper. I also want to exchange the power bank for a \
         white one with 65W output.",
        &catalog(),
    );
    let items: Vec<_> = r
        .iter()
        .flat_map(|r| r.items.iter().map(move |i| (i, r.cheapest)))
        .collect();
    let hoodie = items
        .iter()
        .find(|(i, _)| i.products == ["Hoodie"])
        .unwrap();
    let bank = items
        .iter()
        .find(|(i, _)| i.products == ["Power Bank"])
        .unwrap();
    assert!(hoodie.0.cheapest || hoodie.1, "{r:?}");
    assert!(!bank.0.cheapest && !bank.1, "{r:?}");
}

#[test]
fn bigger_and_smaller_are_the_next_size() {
    let r = parse("can I exchange the hoodie for a bigger one?", &catalog());
    assert_eq!(kinds(&r), [RequestKind::Exchange]);
    assert_eq!(r[0].items[0].to, [(None, words::SIZE_UP.to_string())]);
    let r = parse("卫衣想换小一号的", &catalog());
    assert_eq!(r[0].items[0].to, [(None, words::SIZE_DOWN.to_string())]);
    assert_eq!(words::size_rank("XL"), Some(5.0));
    assert_eq!(words::size_rank("5 ft"), Some(5.0));
    assert_eq!(words::size_rank("1.5L"), Some(1.5));
    assert_eq!(words::size_rank("black"), None);
}

#[test]
fn the_shops_own_notation_is_read() {
    let r = parse(
        "For #W3767039, modify T-Shirt {'color': 'red', 'size': 'M'} to {'color': 'navy'}; \
         via paypal_1234567. Cancel order #W1111111 because no longer needed.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyItems, RequestKind::Cancel]);
    assert_eq!(r[0].items[0].from, ["red", "M"]);
    assert_eq!(
        r[0].items[0].to,
        [(Some("color".to_string()), "navy".to_string())]
    );
    assert_eq!(r[0].payment.as_deref(), Some("paypal_1234567"));
    assert_eq!(r[1].reason.as_deref(), Some("no longer needed"));
}

#[test]
fn everything_except_and_all_pending_orders() {
    let r = parse("return everything except the scarf", &catalog());
    assert!(r[0].all_items);
    assert_eq!(r[0].except, ["Silk Scarf"]);
    assert!(r[0].items.is_empty());
    let r = parse(
        "please cancel all my pending orders, I don't need them",
        &catalog(),
    );
    assert_eq!(r[0].scope, Scope::All);
    assert_eq!(r[0].reason.as_deref(), Some("no longer needed"));
}

#[test]
fn except_the_smaller_of_two_leaves_out_only_that_one() {
    let r = parse(
        "return everything except the scarf and the smaller of the two hoodies",
        &catalog(),
    );
    assert!(r[0].all_items, "{r:#?}");
    assert_eq!(r[0].except, ["Silk Scarf"], "{r:#?}");
    assert_eq!(r[0].except_one.len(), 1, "{r:#?}");
    assert_eq!(r[0].except_one[0].products, ["Hoodie"]);
    assert_eq!(r[0].except_one[0].one_of, Some(words::OneOf::Smaller));
    assert!(
        r[0].items.is_empty(),
        "no hoodie is acted on by name: {r:#?}"
    );
}

#[test]
fn a_letter_size_by_its_word() {
    let r = parse("please change the t-shirt to a size small", &catalog());
    assert_eq!(r[0].items[0].to, [(None, "S".to_string())], "{r:#?}");
    let r = parse("I'd like the merino sweater in large instead", &catalog());
    assert_eq!(r[0].items[0].to, [(None, "L".to_string())], "{r:#?}");
    // A product whose sizes are words keeps them: "small" is its own value.
    let r = parse("change the cutting board to the small one", &catalog());
    assert_eq!(r[0].items[0].to, [(None, "small".to_string())], "{r:#?}");
}

#[test]
fn bought_elsewhere_is_no_longer_needed() {
    for text in [
        "I want to cancel my order, I'll buy the scarf from another store",
        "cancel the order please, I found the same hoodie for half the price",
        "请取消订单，别家更便宜",
    ] {
        let r = parse(text, &catalog());
        assert_eq!(r[0].reason.as_deref(), Some("no longer needed"), "{text}");
    }
}

#[test]
fn and_i_want_it_charged_to_is_a_request_of_its_own() {
    let r = parse(
        "Please send my pending order to the address on my account instead of the Oak Street \
         one, and I want it charged to my PayPal rather than the gift card.",
        &catalog(),
    );
    assert_eq!(
        kinds(&r),
        [RequestKind::ModifyAddress, RequestKind::ModifyPayment],
        "{r:#?}"
    );
    assert_eq!(r[1].payment.as_deref(), Some("paypal"));
    // "I paid with it" is no change: only "it charged to / billed to".
    let r = parse(
        "I paid for it with my PayPal, can you return the scarf",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Return], "{r:#?}");
}

#[test]
fn a_request_to_do_instead_if_the_change_cannot_be_had() {
    let r = parse(
        "I'd like to exchange the hoodie for a grey one; if that isn't available, I want to \
         return it instead.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Exchange], "{r:#?}");
    assert_eq!(r[0].otherwise, Some(RequestKind::Return));
    assert!(r[0].items.iter().all(|i| i.only_exact), "{r:#?}");
    // A request of its own, not an alternative.
    let r = parse(
        "exchange the hoodie for a grey one. I also want to return the scarf",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Exchange, RequestKind::Return]);
    assert_eq!(r[0].otherwise, None);
}

#[test]
fn a_value_said_before_any_request_describes_the_item() {
    let r = parse(
        "Of the two hoodies I got, the one for the grey colour is too small. I want to \
         exchange it for a size XL.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Exchange], "{r:#?}");
    let hoodie = &r[0].items[0];
    assert!(hoodie.from.contains(&"grey".to_string()), "{r:#?}");
    assert!(!hoodie.to.iter().any(|(_, v)| v == "grey"), "{r:#?}");
}

#[test]
fn addresses_by_value_and_by_reference() {
    let r = parse(
        "change the shipping address of #W3767039 to 12 Oak St, Apt 4, Austin, TX 78701",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyAddress]);
    assert_eq!(r[0].address.as_ref().unwrap().city, "Austin");
    let r = parse(
        "please ship order #W3767039 to my default address instead",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyAddress]);
    assert!(r[0].address_ref.as_deref().unwrap().contains("default"));
    let r = parse(
        "update the address on #W3767039: only the suite changes, Suite 641",
        &catalog(),
    );
    assert_eq!(r[0].address2.as_deref(), Some("Suite 641"));
    let r = parse(
        "I moved, please update my default address to 5 Elm St, Boise, ID 83702",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ChangeAddress]);
}

#[test]
fn chinese_requests() {
    let r = parse(
        "我想取消订单W3767039，不需要了。另外把卫衣换成白色的",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Cancel, RequestKind::Exchange]);
    assert_eq!(r[0].reason.as_deref(), Some("no longer needed"));
    assert_eq!(r[1].items[0].products, ["Hoodie"]);
    assert_eq!(r[1].items[0].to[0].1, "white");
}

#[test]
fn questions_and_statements_are_not_requests_to_act() {
    assert!(parse("thanks, that's all", &catalog()).is_empty());
    assert!(parse("do you sell tea?", &catalog()).is_empty());
    let r = parse("how much did I pay for my most recent order?", &catalog());
    assert_eq!(kinds(&r), [RequestKind::Info]);
    assert_eq!(r[0].scope, Scope::Latest);
}

#[test]
fn an_order_named_by_its_product_and_paying_it_with_a_method() {
    let r = parse(
        "cancel my power bank order, I ordered it by mistake, and then pay for the rice \
         cooker order with my gift card",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Cancel, RequestKind::ModifyPayment]);
    assert!(r[0].order_by_items && r[1].order_by_items, "{r:?}");
    assert_eq!(r[1].payment.as_deref(), Some("gift card"));
    // Not a change: a statement about how it was paid, and the difference
    // of an exchange.
    let r = parse("I paid for the rice cooker with my gift card", &catalog());
    assert!(!kinds(&r).contains(&RequestKind::ModifyPayment), "{r:?}");
    let r = parse(
        "exchange the hoodie for a black one and pay the difference with my gift card",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Exchange]);
}

#[test]
fn one_item_described_twice_and_an_option_the_customer_does_not_mind() {
    let r = parse(
        "I got a grey zip-up hoodie and a black t-shirt. I'd like to exchange it for a black \
         hoodie, I prefer a pullover hoodie over a zip-up hoodie. I don't care about L or XL \
         though, whichever is cheaper. I'd also like to exchange the t-shirt for a white one.",
        &catalog(),
    );
    let items: Vec<&ItemMention> = r.iter().flat_map(|r| r.items.iter()).collect();
    let hoodies: Vec<_> = items.iter().filter(|i| i.products == ["Hoodie"]).collect();
    assert_eq!(hoodies.len(), 1, "{r:?}");
    let hoodie = hoodies[0];
    let wanted: Vec<_> = hoodie.to.iter().map(|(_, v)| v.as_str()).collect();
    assert!(
        wanted.contains(&"black") && wanted.contains(&"pullover"),
        "{hoodie:?}"
    );
    // Sizes said only as "don't care" are neither wanted nor what it is.
    assert!(
        !wanted.contains(&"L") && !hoodie.from.contains(&"L".to_string()),
        "{hoodie:?}"
    );
    assert!(hoodie.cheapest, "{hoodie:?}");
    let shirt = items.iter().find(|i| i.products == ["T-Shirt"]).unwrap();
    assert!(!shirt.cheapest, "{shirt:?}");
}

#[test]
fn what_order_by_items_and_not_minding_do_not_cover() {
    // An item *in* an order, and one "I ordered": not the order by its item.
    for text in [
        "please cancel the t-shirt in order #W3767039",
        "cancel the t-shirt I ordered",
    ] {
        let r = parse(text, &catalog());
        assert!(!r[0].order_by_items, "{text}: {r:?}");
    }
    // A condition after "doesn't matter" is still wanted.
    let r = parse(
        "exchange the hoodie, the size doesn't matter but I want it in grey",
        &catalog(),
    );
    let wanted: Vec<_> = r[0].items[0].to.iter().map(|(_, v)| v.as_str()).collect();
    assert!(wanted.contains(&"grey"), "{r:?}");
    // A full-width comma before an option value (three bytes) reads fine.
    let r = parse("你好，我想把卫衣换成白色的，无所谓大小", &catalog());
    assert_eq!(kinds(&r), [RequestKind::Exchange], "{r:?}");
}

#[test]
fn a_request_only_asked_about_is_hypothetical() {
    let c = catalog();
    let asked = parse("how much would I get back if I returned the hoodie?", &c);
    assert_eq!(kinds(&asked), [RequestKind::Return]);
    assert!(asked[0].hypothetical);
    let later = parse("could the hoodie still be returned? don't do it yet", &c);
    assert!(later.iter().all(|r| r.hypothetical), "{later:?}");
    let zh = parse("如果退掉卫衣能退多少钱", &c);
    assert!(zh.iter().all(|r| r.hypothetical), "{zh:?}");
    // Asked to do, or done on a condition: not hypothetical.
    assert!(!parse("please return the hoodie", &c)[0].hypothetical);
    let conditional = parse(
        "exchange the hoodie for a black one; if that can't be done, return it",
        &c,
    );
    assert!(
        conditional.iter().all(|r| !r.hypothetical),
        "{conditional:?}"
    );
}

#[test]
fn that_order_is_the_order_of_the_request_before() {
    let r = parse(
        "For my order #W3767039 I want the t-shirt changed to blue. I also want the green tea in that \
         order changed to the 100g tin.",
        &catalog(),
    );
    assert_eq!(r.len(), 2, "{r:#?}");
    assert_eq!(r[1].order_ids, ["#W3767039"]);
    // Without a word pointing back, a later request names no order.
    let r = parse(
        "For my order #W3767039 I want the t-shirt changed to blue. I also want to return the earbuds.",
        &catalog(),
    );
    assert!(r[1].order_ids.is_empty(), "{r:#?}");
}

#[test]
fn both_or_two_of_a_product_mean_every_one_of_them() {
    let r = parse(
        "please switch both t-shirts in my order to blue",
        &catalog(),
    );
    assert!(r[0].items[0].every, "{r:#?}");
    let r = parse(
        "I got two identical hoodies in my order. I want to exchange both of them for size L.",
        &catalog(),
    );
    assert!(r[0].items.iter().all(|i| i.every), "{r:#?}");
    // A count of sizes is not a count of items.
    let r = parse("I want two sizes bigger for the hoodie", &catalog());
    assert!(!r[0].items[0].every, "{r:#?}");
}

#[test]
fn a_container_word_after_a_degree_word_is_the_items_size() {
    // "flask" names the Insulated Flask, but "the largest flask of the
    // same blend" is about the tea's package.
    let r = parse(
        "I want the jasmine pearl tea changed to the largest flask of the same blend",
        &catalog(),
    );
    let products: Vec<_> = r[0].items.iter().flat_map(|i| i.products.clone()).collect();
    assert_eq!(products, ["Jasmine Pearl Tea"], "{r:#?}");
    let r = parse("I want to return the flask", &catalog());
    assert_eq!(r[0].items[0].products, ["Insulated Flask"]);
}

#[test]
fn where_the_money_goes_belongs_to_the_request_before() {
    let r = parse(
        "I want the hoodie in my order #W4243979 in size L. Any refund or charge from that \
         should go through my PayPal.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyItems], "{r:#?}");
    assert_eq!(r[0].payment.as_deref(), Some("paypal"));
}

#[test]
fn a_wish_for_an_items_options_without_a_verb_changes_it() {
    let r = parse(
        "I'd like the hoodie in my order #W4243979 to be grey",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyItems], "{r:#?}");
    // A question about it is not a change.
    let r = parse(
        "I'd like to know whether the hoodie comes in grey",
        &catalog(),
    );
    assert!(r.is_empty(), "{r:#?}");
}

#[test]
fn money_words_that_follow_another_request_are_not_a_return() {
    // A refund that follows from something else is not asked for.
    let r = parse(
        "Once that refund is back on my gift card, I want my order #W4243979 paid with the \
         gift card.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyPayment], "{r:#?}");
    // "charged to X instead of Y": the method wanted is X.
    let r = parse(
        "I want my pending order #W4243979 charged to my PayPal instead of my gift card",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyPayment], "{r:#?}");
    assert_eq!(r[0].payment.as_deref(), Some("paypal"));
    let r = parse(
        "please pay order #W4243979 with PayPal rather than my gift card",
        &catalog(),
    );
    assert_eq!(r[0].payment.as_deref(), Some("paypal"));
    // A card's last digits are not an order's.
    assert_eq!(
        words::order_suffix("refund the order to my visa ending in 8055"),
        None
    );
    assert_eq!(
        words::order_suffix("the order number ends in 66").as_deref(),
        Some("66")
    );
}

#[test]
fn an_order_sent_to_the_address_on_file_changes_the_orders_address() {
    let r = parse(
        "I want my pending order #W4243979 shipped to my home address on file instead",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyAddress], "{r:#?}");
    let r = parse(
        "please update the address on file for future orders to 7 Birch Ln, Tempe, AZ 85283",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ChangeAddress], "{r:#?}");
    // A full address with "instead" is about the address, not the items.
    let r = parse(
        "please ship order #W4243979 to 7 Birch Ln, Tempe, AZ 85283 instead",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyAddress], "{r:#?}");
}
#[test]
fn one_of_several_is_picked_not_every_one() {
    let r = parse(
        "I want to return the cheaper of the two t-shirts",
        &catalog(),
    );
    assert_eq!(r[0].items[0].one_of, Some(words::OneOf::Cheaper), "{r:#?}");
    assert!(!r[0].items[0].every);
    let r = parse(
        "please exchange the more expensive one of my two hoodies for size M",
        &catalog(),
    );
    assert_eq!(r[0].items[0].one_of, Some(words::OneOf::Dearer), "{r:#?}");
    let r = parse("return the smaller of both sleeping bags", &catalog());
    assert_eq!(r[0].items[0].one_of, Some(words::OneOf::Smaller), "{r:#?}");
}

#[test]
fn a_question_after_a_request_adds_nothing_to_it() {
    let r = parse(
        "I want to cancel my pending order because I no longer need it. I want to know how \
         much the earbuds refund will be.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Cancel]);
    assert!(r[0].items.is_empty(), "{r:#?}");
    // A detail said in a question still counts.
    let r = parse(
        "I want to change the address of order #W4243979. Could you send it to 7 Birch Ln, \
         Tempe, AZ 85283?",
        &catalog(),
    );
    assert!(r[0].address.is_some(), "{r:#?}");
}

#[test]
fn options_said_to_stay_are_kept_with_the_item() {
    let r = parse(
        "I want to exchange the hoodie for the next size up, keeping the same color and style",
        &catalog(),
    );
    let keep = &r[0].items[0].keep;
    assert!(keep.contains(&"color".to_string()), "{r:#?}");
}

#[test]
fn an_item_that_tells_the_order_is_not_acted_on() {
    let r = parse(
        "I want to return every item from the order that included my headlamp",
        &catalog(),
    );
    assert!(r[0].all_items, "{r:#?}");
    assert!(r[0].items.iter().all(|i| i.anchor), "{r:#?}");
    let r = parse(
        "please return the flask, it came in the same order as my trekking poles",
        &catalog(),
    );
    let anchors: Vec<bool> = r[0].items.iter().map(|i| i.anchor).collect();
    assert_eq!(anchors, [false, true], "{r:#?}");
    let r = parse(
        "cancel my rice cooker order, I no longer need it",
        &catalog(),
    );
    assert!(r[0].items[0].anchor, "{r:#?}");
    // Excepted from what is acted on, still telling the order.
    let r = parse(
        "From the order that had my headlamp, return everything except the headlamp",
        &catalog(),
    );
    assert_eq!(r[0].except, ["Headlamp"]);
    assert!(r[0].items.iter().all(|i| i.anchor), "{r:#?}");
}

#[test]
fn scope_words_mean_what_they_say() {
    let r = parse(
        "I want to return both t-shirts and keep everything else",
        &catalog(),
    );
    assert!(!r[0].all_items, "{r:#?}");
    let r = parse(
        "exchange every item except the hoodie: the t-shirt for size L, and the scarf for \
         the peony one",
        &catalog(),
    );
    assert_eq!(r[0].except, ["Hoodie"], "{r:#?}");
}

#[test]
fn option_words_in_everyday_shapes() {
    // "from X to Y": Y is wanted.
    let r = parse(
        "I want the hoodie in order #W4243979 changed from pullover to zip-up",
        &catalog(),
    );
    assert_eq!(r[0].items[0].to, [(None, "zip-up".to_string())], "{r:#?}");
    assert_eq!(r[0].items[0].from, ["pullover"]);
    // "no lid at all": the option's "no".
    let r = parse(
        "I want the wok in my order changed to one with no lid at all",
        &catalog(),
    );
    assert!(
        r[0].items[0]
            .to
            .contains(&(Some("lid".to_string()), "no".to_string())),
        "{r:#?}"
    );
    // "half a liter" is 500ml.
    let r = parse(
        "please change the flask in my order to the half-liter one",
        &catalog(),
    );
    assert!(r[0].items[0].to.iter().any(|(_, v)| v == "500ml"), "{r:#?}");
}

#[test]
fn the_orders_last_digits_said_before_the_request_serve_it() {
    let r = parse(
        "I placed an order by accident. The order number ends in 39. Please cancel it.",
        &catalog(),
    );
    assert_eq!(r[0].order_suffix.as_deref(), Some("39"), "{r:#?}");
}

#[test]
fn a_new_suite_alone_changes_the_address() {
    let r = parse(
        "My pending order #W4243979 goes to the right street, but I want the suite changed \
         to Suite 201.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyAddress], "{r:#?}");
    assert_eq!(r[0].address2.as_deref(), Some("Suite 201"));
}

#[test]
fn just_one_of_several_and_new_verbs() {
    let r = parse(
        "I received two identical t-shirts in one order, and I want to return just one of them.",
        &catalog(),
    );
    assert!(!r[0].items[0].every, "{r:#?}");
    let r = parse(
        "Please cancel order #W3767039, I no longer need it. I also want to upgrade the power \
         bank in my other order to 20000mAh.",
        &catalog(),
    );
    assert_eq!(
        kinds(&r),
        [RequestKind::Cancel, RequestKind::ModifyItems],
        "{r:#?}"
    );
}

#[test]
fn not_being_there_to_receive_it_cancels() {
    let r = parse(
        "I'll be traveling when it arrives and won't be able to receive it, so I don't want \
         order #W3767039 anymore",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Cancel], "{r:#?}");
}

#[test]
fn pointing_words_in_chinese() {
    // "两件卫衣": both hoodies; "其中一个": just one.
    let r = parse("订单 #W4243979 里的两件卫衣都换成 L 码", &catalog());
    assert!(r[0].items[0].every, "{r:#?}");
    let r = parse("我买了两件卫衣，只退其中一个", &catalog());
    assert!(r.iter().all(|q| q.items.iter().all(|i| !i.every)), "{r:#?}");
    // Not there to receive it: a cancellation.
    let r = parse("我下周出差，收不到了，订单 #W3767039 不要了", &catalog());
    assert_eq!(kinds(&r), [RequestKind::Cancel], "{r:#?}");
}

#[test]
fn a_comparative_before_the_change_picks_the_item_not_a_size() {
    // "the larger one switched to …" says which one; "for a larger one"
    // says what is wanted.
    let r = parse(
        "I want the larger one switched to the blue colour.",
        &catalog(),
    );
    assert!(
        r[0].wants.iter().all(|(_, w)| w != words::SIZE_UP),
        "{:?}",
        r[0].wants
    );
    let r = parse("Please exchange my hoodie for a larger one.", &catalog());
    assert_eq!(r[0].items[0].to, [(None, words::SIZE_UP.to_string())]);
}

#[test]
fn a_request_for_another_order_after_a_comma_is_its_own() {
    let r = parse(
        "In order #W3767039 please change the hoodie to size L, and for another order, \
         change the payment to PayPal.",
        &catalog(),
    );
    assert_eq!(
        kinds(&r),
        [RequestKind::ModifyItems, RequestKind::ModifyPayment]
    );
    assert_eq!(r[0].payment, None);
    assert!(r[1].order_ids.is_empty());
}

#[test]
fn the_smaller_of_two_named_before_with_a_second_choice() {
    // The order is told by "the two hoodies"; "the smaller hoodie" is the
    // one to change; "not" in the condition does not make grey current.
    let r = parse(
        "In my order with the two hoodies, I want the smaller hoodie changed to size L in \
         black or, if black is not offered, in grey.",
        &catalog(),
    );
    assert_eq!(r[0].items.len(), 2, "{:#?}", r[0].items);
    let (anchor, item) = (&r[0].items[0], &r[0].items[1]);
    assert!(anchor.anchor && !item.anchor);
    assert!(!item.every);
    assert_eq!(item.one_of, Some(words::OneOf::Smaller));
    assert!(item.to.contains(&(None, "black".to_string())), "{item:?}");
    assert_eq!(item.fallback, [(None, "grey".to_string())]);
    assert!(item.from.is_empty(), "{item:?}");
}

#[test]
fn any_refund_of_a_change_is_not_a_return_and_in_it_is_the_order_spoken_of() {
    let r = parse(
        "Please also change the hoodie in it to size L, with any refund going to my PayPal.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyItems]);
    assert!(r[0].this_order);
    assert_eq!(r[0].payment.as_deref(), Some("paypal"));
}

#[test]
fn an_exchange_that_says_where_its_refund_goes_is_still_an_exchange() {
    let r = parse(
        "The hoodie is too small. I want to exchange it for size L, with any refund of the \
         difference going to my gift card.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Exchange]);
    assert_eq!(r[0].payment.as_deref(), Some("gift card"));
    // Where all the refunds go is a detail, not a return of its own.
    let r = parse(
        "Please return the earbuds from #W4385563. All of the refunds should go to my gift card.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Return]);
    assert_eq!(r[0].payment.as_deref(), Some("gift card"));
}

#[test]
fn an_order_sent_to_another_orders_address_is_an_address_change() {
    let r = parse(
        "I also want my other pending order sent to that same Seattle address.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyAddress]);
    assert!(r[0].address_ref.is_some());
    // "delivered to" describes an order, it does not move one.
    let r = parse(
        "I want to return the earbuds from the order that was delivered to Seattle.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Return]);
}

#[test]
fn a_verb_inside_a_product_name_asks_nothing() {
    // "Noise-Cancelling Earbuds" name a product; the request is the return.
    let r = parse(
        "The noise-cancelling earbuds I got stopped charging, I want to return them",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Return], "{r:#?}");
    assert_eq!(r[0].items[0].products, ["Noise-Cancelling Earbuds"]);
    // The same adjective before a product that does not carry it.
    let r = parse(
        "my noise cancelling headphones broke, I'd like to send them back",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::Return], "{r:#?}");
}

#[test]
fn an_orders_address_saved_as_the_default_is_the_accounts() {
    let r = parse(
        "I have moved to the Seattle address my pending order is being shipped to, and I \
         want that address saved as the default address on my account.",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ChangeAddress], "{r:#?}");
    // Where an order goes stays the order's.
    let r = parse(
        "please ship my pending order to my default address instead",
        &catalog(),
    );
    assert_eq!(kinds(&r), [RequestKind::ModifyAddress], "{r:#?}");
}

#[test]
fn that_address_is_the_one_said_before_and_including_names_no_filter() {
    let r = parse(
        "I moved to 9 Lake St, Seattle, WA 98109 and want every order that has not shipped \
         sent there, including the t-shirt order. I also want that address saved as my \
         default address.",
        &catalog(),
    );
    assert_eq!(
        kinds(&r),
        [RequestKind::ModifyAddress, RequestKind::ChangeAddress],
        "{r:#?}"
    );
    assert_eq!(r[0].scope, Scope::All);
    assert!(r[0].items.is_empty(), "{:#?}", r[0].items);
    let said = r[0].address.as_ref().expect("the new address");
    assert_eq!(r[1].address.as_ref(), Some(said));
}
