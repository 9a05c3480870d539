//! Reading tensors back for comparisons in the kernel tests.

use candle_core::{DType, Tensor};

/// Every element of `t`, in order, as f64.
pub fn values(t: &Tensor) -> Vec<f64> {
    t.to_dtype(DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap()
}
