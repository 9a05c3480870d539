//! kefu's integration tests, one binary: the real `kefu` binary, the real
//! model, real sled on disk, real mail servers and protocol-faithful
//! platform stand-ins (crate `kefu-test-support`, named `support` here).
//! One module per area; at most as many tests run at once as there are
//! cores (the default), each on its own state directory and ports.

mod bench;
mod brain;
mod chat;
mod config;
mod discord;
mod durability;
mod email;
mod knowledge;
mod media;
mod nlu;
mod openai;
mod operators;
mod outcomes;
mod reading;
mod shop;
mod shutdown;
mod systemd;
mod telegram;

/// Opening the store a test's daemon left (it must have exited). kefu's own
/// type, so it is here and not in the support crate, which the channels'
/// tests share without building kefu.
trait OpenStore {
    /// The sandbox's store.
    fn store(&self) -> kefu::store::Store;
}

impl OpenStore for support::Sandbox {
    fn store(&self) -> kefu::store::Store {
        kefu::store::Store::open(&self.state()).expect("open store")
    }
}
