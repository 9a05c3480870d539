//! One decoding step's worth of matrix multiplies: every Q8_0 weight matrix
//! of SmolLM2-135M (30 layers and the vocabulary), distinct, so that as in
//! inference the weights come from memory rather than cache, called from a
//! rayon worker as kefu's engine calls them.

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};
use std::time::Instant;

/// (inputs, outputs) of one layer's matrices: q, k, v, o, gate, up, down.
const LAYER: [(usize, usize); 7] = [
    (576, 576),
    (576, 192),
    (576, 192),
    (576, 576),
    (576, 1536),
    (576, 1536),
    (1536, 576),
];
const LAYERS: usize = 30;
const VOCAB: usize = 49_152;

/// The JSON member `"sweep"`: milliseconds per step for batches of 1, 4 and
/// 8 rows (best of several), and 8 × t1 / t8.
pub fn run() -> candle_core::Result<String> {
    let device = Device::Cpu;
    let mut matrices = Vec::new();
    for (k, n) in LAYER.iter().cycle().take(LAYER.len() * LAYERS).copied() {
        matrices.push((k, matrix(n, k)?));
    }
    matrices.push((576, matrix(VOCAB, 576)?));
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .map_err(candle_core::Error::wrap)?;
    let mut ms = Vec::new();
    for m in [1, 4, 8] {
        let inputs: Vec<Tensor> = [576, 1536]
            .iter()
            .map(|&k| Tensor::randn(0f32, 1.0, (m, k), &device))
            .collect::<candle_core::Result<_>>()?;
        let step = || -> candle_core::Result<()> {
            for (k, matrix) in &matrices {
                let x = &inputs[usize::from(*k != 576)];
                matrix.forward(x)?;
            }
            Ok(())
        };
        let best = pool.install(|| -> candle_core::Result<f64> {
            step()?;
            let mut best = f64::MAX;
            for _ in 0..15 {
                let started = Instant::now();
                step()?;
                best = best.min(started.elapsed().as_secs_f64());
            }
            Ok(best)
        })?;
        ms.push(best * 1e3);
    }
    Ok(format!(
        "\"sweep\":{{\"step1_ms\":{:.2},\"step4_ms\":{:.2},\"step8_ms\":{:.2},\"scaling8\":{:.2}}}",
        ms[0],
        ms[1],
        ms[2],
        8.0 * ms[0] / ms[2]
    ))
}

/// An `n` × `k` Q8_0 matrix of small random weights.
fn matrix(n: usize, k: usize) -> candle_core::Result<QMatMul> {
    let weights = Tensor::randn(0f32, 0.02, (n, k), &Device::Cpu)?;
    QMatMul::from_qtensor(QTensor::quantize(&weights, GgmlDType::Q8_0)?)
}
