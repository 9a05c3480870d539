//! kefu: weight matrices that read the same input (a layer's query, key and
//! value projections; the MLP's gate and up projections), multiplied as one.
//!
//! On the CPU each quantized matmul quantizes its input and starts a
//! parallel loop of its own. One matrix of all their rows quantizes the
//! input once, starts one loop, and gives its threads tasks of an even size
//! (the key and value matrices of a small model are a few dozen groups of
//! rows each). The outputs are the same numbers: every output column is
//! the same dot product either way.

use std::borrow::Cow;
use std::sync::Arc;

use candle_core::quantized::{QStorage, QTensor};
use candle_core::{DType, Result, Tensor, D};
use mistralrs_quant::{GgufMatMul, QuantMethod, QuantMethodConfig};

use crate::layers::MatMul;

/// Projections of one input by several weight matrices.
pub enum Projections {
    /// One matrix holding every matrix's rows; each output's width.
    Fused(Arc<dyn QuantMethod>, Vec<usize>),
    /// The matrices as loaded (not on the CPU, or of different types).
    Separate(Vec<Arc<dyn QuantMethod>>),
}

impl Projections {
    /// Fuses `weights` (each (outputs, inputs)) where they are in memory,
    /// of one quantization type and of one input width; else keeps them.
    pub fn new(weights: Vec<QTensor>) -> Result<Self> {
        if let Some(fused) = fuse(&weights)? {
            let widths = weights.iter().map(|w| w.shape().dims()[0]).collect();
            return Ok(Self::Fused(matmul(fused)?, widths));
        }
        let separate = weights
            .into_iter()
            .map(matmul)
            .collect::<Result<Vec<_>>>()?;
        Ok(Self::Separate(separate))
    }

    /// `x` times each matrix, in the order given to `new`.
    pub fn forward(&self, x: &Tensor) -> Result<Vec<Tensor>> {
        self.forward_as(x, None)
    }

    /// [`forward`](Self::forward) with the outputs in `dtype` when given.
    /// A fused output is converted whole before it is split: one contiguous
    /// conversion, where the parts of a batch are strided views that candle
    /// converts element by element through their index arithmetic.
    pub fn forward_as(&self, x: &Tensor, dtype: Option<DType>) -> Result<Vec<Tensor>> {
        let cast = |t: Tensor| match dtype {
            Some(dtype) => t.to_dtype(dtype),
            None => Ok(t),
        };
        match self {
            Self::Fused(matrix, widths) => {
                let all = cast(MatMul.qmethod_matmul(x, &**matrix)?)?;
                let mut start = 0;
                widths
                    .iter()
                    .map(|&width| {
                        let part = all.narrow(D::Minus1, start, width);
                        start += width;
                        part
                    })
                    .collect()
            }
            Self::Separate(matrices) => matrices
                .iter()
                .map(|m| cast(MatMul.qmethod_matmul(x, &**m)?))
                .collect(),
        }
    }
}

fn matmul(weight: QTensor) -> Result<Arc<dyn QuantMethod>> {
    Ok(Arc::new(GgufMatMul::new(QuantMethodConfig::Gguf {
        q_weight: Arc::new(weight),
        b: None,
    })?))
}

/// The rows of all `weights` in one matrix, if they can be: in memory, one
/// type, one input width. A quantized matrix stores its rows one after the
/// other in every GGML type, so the rows concatenate as bytes.
fn fuse(weights: &[QTensor]) -> Result<Option<QTensor>> {
    let Some(first) = weights.first() else {
        return Ok(None);
    };
    let (dtype, device) = (first.dtype(), first.device());
    let mut rows = 0;
    let mut inputs = None;
    for w in weights {
        let Ok((n, k)) = w.shape().dims2() else {
            return Ok(None);
        };
        let same = w.dtype() == dtype && w.device().is_cpu() && *inputs.get_or_insert(k) == k;
        if !same {
            return Ok(None);
        }
        rows += n;
    }
    let mut bytes = Vec::new();
    for w in weights {
        bytes.extend_from_slice(&w.data()?);
    }
    // Borrowed: candle's `from_data` copies what it is lent, but reads an
    // owned buffer through a slice that outlives it.
    let storage = QStorage::from_data(Cow::Borrowed(&bytes), &device, dtype)?;
    let k = inputs.unwrap_or_default();
    Ok(Some(QTensor::new(storage, (rows, k))?))
}
