//! A customer's data on request: `kefu customer export ID` prints
//! everything kefu holds about them (JSON); `kefu customer forget ID`
//! erases what kefu itself recorded (conversations with their messages and
//! replies — those before they verified included —, the desk's topics,
//! tokens and notices for them, FAQ entries learned from them, profile,
//! links, codes, sender records, failed attempts),
//! keeping only a count. The shop's own records (the user and their
//! orders, imported from the shop) stay: they are the shop's books, and a
//! re-import would bring them back.

use crate::dialogue::DialogueState;
use crate::shop::{profile, Shop};
use crate::store::Store;
use crate::verify::links;
use serde_json::{json, Value};

/// The conversations whose verified customer is `customer`, and those the
/// same person (a sender linked to them) had before they verified.
fn conversations_of(
    store: &Store,
    customer: &str,
) -> anyhow::Result<Vec<crate::store::Conversation>> {
    let identities = identities_of(store, customer);
    Ok(store
        .conversations()?
        .into_iter()
        .filter(
            |c| match DialogueState::from_json(&c.state).customer.as_deref() {
                Some(verified) => verified == customer,
                None => sender_of(store, c).is_some_and(|s| identities.contains(&s)),
            },
        )
        .collect())
}

/// Who wrote a conversation's first stored message (`telegram:1001`).
fn sender_of(store: &Store, conversation: &crate::store::Conversation) -> Option<String> {
    let first = conversation
        .turns
        .iter()
        .find(|t| t.role == crate::store::Role::Customer)?;
    let record = store.inbound(&first.message_key).ok()??;
    Some(record.inbound.identity())
}

/// The sender identities linked to `customer` (from the links and the
/// profile's list).
fn identities_of(store: &Store, customer: &str) -> Vec<String> {
    let customers = &store.customers();
    let mut found: Vec<String> = links::list(customers)
        .into_iter()
        .filter(|(_, link)| link.as_ref().is_some_and(|l| l.customer == customer))
        .map(|(identity, _)| identity)
        .collect();
    if let Some(profile) = profile::load(customers, customer) {
        found.extend(profile.identities);
    }
    found.sort();
    found.dedup();
    found
}

/// Everything kefu holds about `customer`, as JSON.
pub fn export(store: &Store, customer: &str) -> anyhow::Result<Value> {
    let shop = Shop::new(store);
    let Some(user) = shop.user(customer)? else {
        anyhow::bail!("no customer {customer:?}; `kefu shop user ID` shows one by user id");
    };
    let orders = shop.orders_of(&user)?;
    let customers = &store.customers();
    let identities = identities_of(store, customer);
    let senders: Vec<Value> = identities
        .iter()
        .filter_map(|id| customers.read_raw(id))
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
        .collect();
    let links: Vec<Value> = identities
        .iter()
        .filter_map(|id| {
            links::linked(customers, id, 0).map(|l| json!({ "identity": id, "link": l }))
        })
        .collect();
    let conversations: Vec<Value> = conversations_of(store, customer)?
        .into_iter()
        .map(|c| json!({ "id": c.id, "turns": c.turns, "state": c.state }))
        .collect();
    Ok(json!({
        "customer": customer,
        "shop_record": user,
        "orders": orders,
        "profile": profile::load(customers, customer),
        "identities": identities,
        "senders": senders,
        "links": links,
        "conversations": conversations,
    }))
}

/// What [`forget`] erased.
#[derive(Debug, Default, serde::Serialize)]
pub struct Forgotten {
    /// Conversations erased.
    pub conversations: usize,
    /// Messages erased with them.
    pub messages: usize,
    /// Records of the `customers` tree erased.
    pub records: usize,
}

/// Erase what kefu recorded about `customer` (see the module's doc).
pub async fn forget(store: &Store, customer: &str) -> anyhow::Result<Forgotten> {
    if Shop::new(store).user(customer)?.is_none() {
        anyhow::bail!("no customer {customer:?}; `kefu shop user ID` shows one by user id");
    }
    let mut forgotten = Forgotten::default();
    for conversation in conversations_of(store, customer)? {
        forgotten.messages += store.erase_conversation(&conversation.id).await?;
        // The desk's maps and what was learned from it go with it.
        forgotten.records += store.forget_desk(&conversation.id).await?;
        forgotten.conversations += 1;
    }
    let customers = &store.customers();
    let mut keys = vec![format!("profile/{customer}"), format!("code/{customer}")];
    for identity in identities_of(store, customer) {
        keys.push(format!("identity/{identity}"));
        keys.push(format!("failures/sender/{identity}"));
        keys.push(identity);
    }
    // When their orders were first shown to an unproven reader.
    let shown = format!("shown/{customer}/");
    keys.extend(
        customers
            .scan::<u64>(&shown)
            .into_iter()
            .map(|(order, _)| format!("{shown}{order}")),
    );
    for key in keys {
        if customers.remove(&key)?.is_some() {
            forgotten.records += 1;
        }
    }
    // Only the count stays, for the shop's statistics.
    let count = store.setting::<u64>("forgotten_customers").unwrap_or(0);
    store.set_setting("forgotten_customers", &(count + 1))?;
    store.flush().await?;
    Ok(forgotten)
}
