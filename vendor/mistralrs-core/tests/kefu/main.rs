//! kefu's tests of its changes to mistralrs-core (see `vendor/patches/
//! mistralrs-core/`): each module checks one patched kernel against a plain
//! reference. One binary; `tests/attention_pool.rs` is apart because it
//! counts the process's threads.

mod argmax;
mod attention;
mod cpu_math;
mod fused_projections;
mod paged_attention;

use candle_core::{DType, Tensor};

/// Every element of `t`, in order, as f64 (for comparisons with references
/// written out in f64).
pub fn values(t: &Tensor) -> Vec<f64> {
    t.to_dtype(DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap()
}
