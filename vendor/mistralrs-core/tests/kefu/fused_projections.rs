//! kefu's mistralrs-core multiplies a layer's query, key and value matrices
//! (and the MLP's gate and up) as one matrix on the CPU. These check that
//! the fused product gives each matrix's own output exactly, for the Q8_0
//! kernel and for a type on candle's path, and that matrices that cannot be
//! fused (different types or input widths) stay separate and still work.

use std::sync::Arc;

use crate::values;
use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};
use mistralrs_core::fused_projections::Projections;

/// Random weights (n outputs × k inputs) and the type to quantize them to.
struct Weights(Tensor, GgmlDType);

impl Weights {
    fn new(n: usize, k: usize, dtype: GgmlDType) -> Self {
        Self(
            Tensor::randn(0f32, 0.05, (n, k), &Device::Cpu).unwrap(),
            dtype,
        )
    }

    fn quantized(&self) -> QTensor {
        QTensor::quantize(&self.0, self.1).unwrap()
    }
}

/// Each matrix alone, as the model multiplied them before fusing.
fn separately(matrices: &[Weights], x: &Tensor) -> Vec<Vec<f64>> {
    matrices
        .iter()
        .map(|w| {
            let matmul = QMatMul::from_arc(Arc::new(w.quantized())).unwrap();
            values(&matmul.forward(x).unwrap())
        })
        .collect()
}

fn projections(matrices: &[Weights]) -> Projections {
    Projections::new(matrices.iter().map(Weights::quantized).collect()).unwrap()
}

#[test]
fn fused_projections_give_each_matrix_its_own_output() {
    // SmolLM2's query, key and value shapes; Q4_K needs 256-wide rows.
    for (dtype, k) in [(GgmlDType::Q8_0, 576), (GgmlDType::Q4K, 512)] {
        let matrices = [
            Weights::new(k, k, dtype),
            Weights::new(192, k, dtype),
            Weights::new(192, k, dtype),
        ];
        let fused = projections(&matrices);
        assert!(
            matches!(fused, Projections::Fused(..)),
            "{dtype:?} not fused"
        );
        // A token, a batch of eight, and a prompt.
        for rows in [1, 8, 21] {
            let x = Tensor::randn(0f32, 1.0, (1, rows, k), &Device::Cpu).unwrap();
            let want = separately(&matrices, &x);
            let got = fused.forward(&x).unwrap();
            assert_eq!(got.len(), 3);
            for (i, (got, want)) in got.iter().zip(&want).enumerate() {
                assert_eq!(got.dims()[..2], [1, rows]);
                assert_eq!(&values(got), want, "{dtype:?} matrix {i}, {rows} rows");
            }
        }
    }
}

#[test]
fn matrices_of_different_types_or_widths_stay_separate() {
    let x = Tensor::randn(0f32, 1.0, (1, 3, 256), &Device::Cpu).unwrap();
    let mixed = [
        Weights::new(64, 256, GgmlDType::Q8_0),
        Weights::new(64, 256, GgmlDType::Q4K),
    ];
    let separate = projections(&mixed);
    assert!(matches!(separate, Projections::Separate(..)));
    let got: Vec<Vec<f64>> = separate.forward(&x).unwrap().iter().map(values).collect();
    assert_eq!(got, separately(&mixed, &x));

    let widths = [
        Weights::new(64, 256, GgmlDType::Q8_0),
        Weights::new(64, 512, GgmlDType::Q8_0),
    ];
    assert!(matches!(projections(&widths), Projections::Separate(..)));
}
