//! Where the shop's data is: a setting whose default also finds the
//! sample shop installed beside the binary, for the daemon and the command
//! line alike.

use super::ShopSettings;
use std::path::{Path, PathBuf};

impl ShopSettings {
    /// The shop directory: `shop.data` as configured when it holds a shop;
    /// for the default relative `data`, also the sample shop beside the
    /// binary (`…/share/kefu/data`, or the source tree's `data/` for a binary
    /// built there), so `kefu chat` works from any directory.
    pub fn data_dir(&self) -> PathBuf {
        let configured = self.data.as_path();
        if configured.join("products.json").is_file() || configured != Path::new("data") {
            return configured.to_path_buf();
        }
        let mut candidates = Vec::new();
        if let Ok(exe) = std::env::current_exe() {
            for dir in exe.ancestors().skip(1).take(4) {
                candidates.push(dir.join("share/kefu/data"));
                candidates.push(dir.join("data"));
            }
        }
        candidates.push(PathBuf::from("/usr/share/kefu/data"));
        candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("data"));
        candidates
            .into_iter()
            .find(|c| c.join("products.json").is_file())
            .unwrap_or_else(|| configured.to_path_buf())
    }
}
