//! Empty: this package only runs the tests of kefu's changes to its forks
//! (`candle-core/tests/`, `mistralrs-core/tests/`; see `Cargo.toml`).
