//! The language model kefu talks to: the engine seam (`kefu-engine`: the
//! [`Engine`] trait and its types, the OpenAI-compatible engine), re-exported
//! so the layers above name it `crate::llm`. Which engine runs is wiring:
//! [`crate::app::build_engine`] builds the one `[llm]` asks for.

pub use kefu_engine::*;
