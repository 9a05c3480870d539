//! Prompt templates: built into the binary from `prompts/`, each replaceable
//! by a file of the same name in `prompts.dir`.

use crate::pipeline::Language;
use minijinja::Environment;
use serde::Serialize;
use std::path::Path;

/// The templates shipped in `prompts/`, by file name.
const BUILT_IN: &[(&str, &str)] = &[
    ("system.en.j2", include_str!("../prompts/system.en.j2")),
    ("system.zh.j2", include_str!("../prompts/system.zh.j2")),
    ("fallback.en.j2", include_str!("../prompts/fallback.en.j2")),
    ("fallback.zh.j2", include_str!("../prompts/fallback.zh.j2")),
];

/// The loaded templates.
pub struct Prompts {
    env: Environment<'static>,
}

impl Prompts {
    /// Load the built-in templates, replacing any that `dir` holds.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        for (name, built_in) in BUILT_IN {
            let source = match dir.map(|d| d.join(name)) {
                Some(path) if path.is_file() => std::fs::read_to_string(&path)
                    .map_err(|e| anyhow::anyhow!("cannot read prompt {}: {e}", path.display()))?,
                _ => built_in.to_string(),
            };
            env.add_template_owned(name.to_string(), source)
                .map_err(|e| anyhow::anyhow!("prompt template {name} is invalid: {e}"))?;
        }
        Ok(Self { env })
    }

    /// Render template `purpose` in `language` with `context`.
    pub fn render(
        &self,
        purpose: &str,
        language: Language,
        context: impl Serialize,
    ) -> anyhow::Result<String> {
        let name = format!("{purpose}.{}.j2", language.code());
        let template = self.env.get_template(&name)?;
        Ok(template.render(context)?.trim().to_string())
    }
}
