//! Times candle's quantized matrix multiply on SmolLM2-135M's shapes (hidden
//! 576, MLP 1536) the way inference uses it: one token (decode) and a
//! 328-token prompt, for each weight type kefu may load. Prints one JSON
//! object; `scripts/bench-targets` runs it once per build target.

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};
use std::time::Instant;

/// SmolLM2-135M: hidden size and MLP size.
const HIDDEN: usize = 576;
const MLP: usize = 1536;
/// Tokens in kefu bench's reply prompt.
const PROMPT_TOKENS: usize = 328;

fn main() -> candle_core::Result<()> {
    let device = Device::Cpu;
    let weights = Tensor::randn(0f32, 0.02, (MLP, HIDDEN), &device)?;
    let mut results = Vec::new();
    for (name, dtype) in [
        ("q8_0", GgmlDType::Q8_0),
        ("q4_0", GgmlDType::Q4_0),
        ("q4_1", GgmlDType::Q4_1),
    ] {
        let matmul = QMatMul::from_qtensor(QTensor::quantize(&weights, dtype)?)?;
        let decode = time_per_call(&matmul, 1, 400)?;
        let prompt = time_per_call(&matmul, PROMPT_TOKENS, 6)?;
        results.push(format!(
            "\"{name}\":{{\"decode_us\":{:.1},\"prompt_us_per_token\":{:.1}}}",
            decode * 1e6,
            prompt * 1e6 / PROMPT_TOKENS as f64
        ));
    }
    println!(
        "{{\"avx2\":{},\"fma\":{},\"avx512f\":{},{}}}",
        cfg!(target_feature = "avx2"),
        cfg!(target_feature = "fma"),
        cfg!(target_feature = "avx512f"),
        results.join(",")
    );
    Ok(())
}

/// Seconds per forward call on `tokens` rows, best of three rounds of
/// `calls` calls (after a warm-up call).
fn time_per_call(matmul: &QMatMul, tokens: usize, calls: usize) -> candle_core::Result<f64> {
    let input = Tensor::randn(0f32, 1.0, (tokens, HIDDEN), &Device::Cpu)?;
    matmul.forward(&input)?;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        for _ in 0..calls {
            std::hint::black_box(matmul.forward(&input)?);
        }
        best = best.min(started.elapsed().as_secs_f64() / calls as f64);
    }
    Ok(best)
}
