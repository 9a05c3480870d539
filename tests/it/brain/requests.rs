//! Customers who write like customers, over the sample shop (`data/`):
//! items named instead of order ids, several requests in one message,
//! "everything except", a variant by description, a part-of-order cancel,
//! an address by reference, two emails, a question answered from the data;
//! English and Chinese. Each asserts the stored orders afterwards. The
//! templates answer (no model), so the flows alone are under test.

use super::{order, reply, sample_shop, TEMPLATES_ONLY};
use serde_json::Value;
use support::{assert_success, Sandbox};

fn talk(sandbox: &Sandbox, lines: &[&str]) -> Vec<Value> {
    super::converse_with(sandbox, "r", lines, TEMPLATES_ONLY)
}

#[test]
fn two_requests_in_one_message_by_their_items() {
    let shop = sample_shop();
    let r = talk(
        &shop,
        &[
            "Hi, this is Li Wei, liwei.sea@example.com (zip 98101). Please cancel the order with the \
             green tea, I ordered it by mistake, and exchange my earbuds for white ones, \
             any difference on my credit card.",
            "yes",
            "yes",
        ],
    );
    assert!(reply(&r[0]).contains("#W3767039"), "{}", reply(&r[0]));
    assert_eq!(r[0]["step"], "confirm");
    // The cancel is done and the exchange proposed in the same reply,
    // with the items by name and options.
    assert!(reply(&r[1]).contains("cancelled"), "{}", reply(&r[1]));
    assert!(
        reply(&r[1]).contains("Noise-Cancelling Earbuds (USB-C, black) → (USB-C, white)"),
        "{}",
        reply(&r[1])
    );
    assert_eq!(order(&shop, "#W3767039")["status"], "cancelled");
    let earbuds = order(&shop, "#W4385563");
    assert_eq!(earbuds["status"], "exchange requested");
    assert_eq!(
        earbuds["exchange_new_items"],
        serde_json::json!(["8996776349"])
    );
}

#[test]
fn everything_except_one_item_to_the_gift_card() {
    let shop = sample_shop();
    let r = talk(
        &shop,
        &[
            "I'm Sarah Mitchell, zip 80202. I want to return everything except the headlamp, \
             refund to my gift card please.",
            "yes",
        ],
    );
    assert!(reply(&r[0]).contains("Trekking Poles"), "{}", reply(&r[0]));
    assert!(!reply(&r[0]).contains("Headlamp ("), "{}", reply(&r[0]));
    let o = order(&shop, "#W2492868");
    assert_eq!(o["status"], "return requested");
    assert_eq!(o["return_items"], serde_json::json!(["4477680020"]));
    assert_eq!(o["return_payment_method_id"], "gift_card_0548926");
}

#[test]
fn a_variant_by_description_falls_back_to_the_closest_available() {
    let shop = sample_shop();
    let r = talk(
        &shop,
        &[
            "d.okafor@example.com (zip 02116) here. I'd like to exchange my keyboard for one with a UK \
             English layout and tactile switches.",
            "PayPal please",
            "yes",
        ],
    );
    // The policy: the customer names who pays the price difference.
    assert_eq!(r[0]["step"], "ask_payment", "{}", reply(&r[0]));
    let proposal = reply(&r[1]);
    // The UK tactile keyboard is sold out: the closest one is offered and
    // the reply says what is missing.
    assert!(
        proposal.contains("→ (white, US English, tactile)"),
        "{proposal}"
    );
    assert!(
        proposal.contains("UK English is not available"),
        "{proposal}"
    );
    let o = order(&shop, "#W4712100");
    assert_eq!(o["exchange_new_items"], serde_json::json!(["8249423237"]));
}

#[test]
fn one_item_of_an_order_cannot_be_cancelled() {
    let shop = sample_shop();
    let r = talk(
        &shop,
        &["liwei.sea@example.com (zip 98101) - please cancel the t-shirt in my pending order, I don't need it"],
    );
    assert_eq!(r[0]["step"], "partial_cancel", "{}", reply(&r[0]));
    assert!(reply(&r[0]).contains("as a whole"), "{}", reply(&r[0]));
    assert_eq!(order(&shop, "#W3767039")["status"], "pending");
}

#[test]
fn only_the_apartment_of_an_address_changes() {
    let shop = sample_shop();
    talk(
        &shop,
        &[
            "Hi, I'm Sarah Mitchell, zip 80202. For my rain jacket order, please change the \
             address: only the apartment changes, it is Apt 12B now.",
            "yes",
        ],
    );
    let address = &order(&shop, "#W5219755")["address"];
    assert_eq!(address["address1"], "1420 Larimer St");
    assert_eq!(address["address2"], "Apt 12B");
}

#[test]
fn every_email_offered_is_tried_and_a_question_is_answered_from_the_data() {
    let shop = sample_shop();
    let r = talk(
        &shop,
        &[
            "I have two emails, olivia@old-mail.example and olivia.bennett@example.com (zip 97210). How \
             much did I pay for my most recent order?",
        ],
    );
    assert_eq!(r[0]["state"]["verified"], true, "{}", reply(&r[0]));
    assert!(reply(&r[0]).contains("#W8928612"), "{}", reply(&r[0]));
    assert!(reply(&r[0]).contains("$87.50"), "{}", reply(&r[0]));
}

#[test]
fn a_question_while_an_action_waits_is_not_a_yes() {
    let shop = sample_shop();
    let r = talk(
        &shop,
        &[
            "liwei.sea@example.com (zip 98101): cancel #W3767039, I don't need it anymore",
            "is that right? how long does the refund take?",
            "yes but use my gift card",
        ],
    );
    assert_eq!(r[0]["step"], "confirm");
    assert_ne!(r[1]["step"], "done");
    assert_ne!(r[2]["step"], "done");
    assert_eq!(order(&shop, "#W3767039")["status"], "pending");
}

#[test]
fn chinese_return_by_item_and_two_requests() {
    let shop = sample_shop();
    let r = talk(
        &shop,
        &[
            "我是李伟，邮箱 liwei.sea@example.com，邮编 98101。我想把耳机退了，钱退到礼品卡。另外取消有龙井茶的那个订单，不需要了。",
            "是的",
            "是的",
        ],
    );
    assert!(reply(&r[0]).contains("#W4385563"), "{}", reply(&r[0]));
    assert!(reply(&r[1]).contains("#W3767039"), "{}", reply(&r[1]));
    let earbuds = order(&shop, "#W4385563");
    assert_eq!(earbuds["status"], "return requested");
    assert_eq!(earbuds["return_payment_method_id"], "gift_card_4256364");
    assert_eq!(order(&shop, "#W3767039")["status"], "cancelled");
}

#[test]
fn chinese_exchange_for_the_next_size_down() {
    let shop = sample_shop();
    let r = talk(
        &shop,
        &[
            "我是李伟，邮箱 wei.li.htx@example.com，邮编 77063。卫衣有点大，想换小一号的，差价用原来的支付方式。",
            "是的",
        ],
    );
    assert!(
        reply(&r[0]).contains("→ (grey, M, pullover)"),
        "{}",
        reply(&r[0])
    );
    let o = order(&shop, "#W6871873");
    assert_eq!(o["status"], "exchange requested");
    assert_eq!(o["exchange_items"], serde_json::json!(["8075165614"]));
    assert_eq!(o["exchange_new_items"], serde_json::json!(["3279622490"]));
}

#[test]
fn addresses_by_reference_another_orders_city_and_the_default() {
    // τ-bench's shop: this customer lives in Dallas, her pending order
    // ships to San Francisco, an earlier one went to San Jose.
    let shop = super::shop();
    talk(
        &shop,
        &[
            "emma.nguyen6944@example.com (zip 75302): please send my pending order to my San Jose address",
            "yes",
        ],
    );
    let address = &order(&shop, "#W5809689")["address"];
    assert_eq!(address["city"], "San Jose", "{address}");
    let out = shop.chat(
        &["--json", "--session", "r2"],
        "emma.nguyen6944@example.com (zip 75302): ship my pending order to my default address instead\nyes\n",
        TEMPLATES_ONLY,
    );
    assert_success(&out);
    let address = &order(&shop, "#W5809689")["address"];
    assert_eq!(address["city"], "Dallas", "{address}");
}

#[test]
fn a_cancellation_said_first_still_comes_first() {
    // Address and payment changes jump over item changes (which lock an
    // order), never over a cancellation whose refund may pay for them.
    let shop = super::shop();
    let r = talk(
        &shop,
        &[
            "emma.santos7683@example.com (zip 78228) here. Please cancel the order with the \
           laptop, I ordered it by mistake. Pay for my tablet order with my gift card.",
        ],
    );
    assert!(
        reply(&r[0]).starts_with("I will cancel order #W9903153"),
        "{}",
        reply(&r[0])
    );
}

#[test]
fn a_refund_to_the_gift_card_pays_the_next_request_of_the_same_message() {
    // τ-bench's shop: her gift card holds $36; the laptop order was paid
    // with it, the tablet order ($903.95) with another method. Cancelling
    // the laptop order refunds the gift card at once, so the next request
    // (pay the tablet order with the gift card) is proposed, not refused
    // for a balance the cancellation has already raised.
    let shop = super::shop();
    let r = talk(
        &shop,
        &[
            "emma.santos7683@example.com (zip 78228) - please cancel the order with the laptop, I \
             ordered it by mistake, and then pay for my tablet order with my gift card.",
            "yes",
            "yes",
        ],
    );
    assert!(reply(&r[0]).contains("#W9903153"), "{}", reply(&r[0]));
    assert!(reply(&r[1]).contains("cancelled"), "{}", reply(&r[1]));
    assert!(
        reply(&r[1]).contains("#W2918688") && !reply(&r[1]).contains("does not cover"),
        "{}",
        reply(&r[1])
    );
    assert_eq!(order(&shop, "#W9903153")["status"], "cancelled");
    let tablet = order(&shop, "#W2918688");
    // Paid again with the gift card, the first payment refunded.
    let payments = tablet["payment_history"].as_array().unwrap();
    assert!(
        payments.iter().any(|p| p["transaction_type"] == "payment"
            && p["payment_method_id"] == "gift_card_6023546"
            && p["amount"] == 903.95),
        "{tablet}"
    );
}
