//! Times the quantized matrix multiply of kefu's candle-core (the published
//! candle-core plus the repacked Q8_0 kernel, vendor/candle-core) on
//! SmolLM2-135M's shapes (hidden 576, MLP 1536) the way inference uses it:
//! one token (decode), 8 tokens (eight conversations decoding together) and
//! a 328-token prompt, for each weight type kefu may load, and upstream's
//! Q8_0 algorithm (`k_quants::matmul`) beside the repacked one. Prints one
//! JSON object; `scripts/bench-targets` runs it once per build target.

use candle_core::quantized::k_quants::{self, BlockQ8_0};
use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};
use std::time::Instant;

mod sweep;

/// SmolLM2-135M: hidden size and MLP size.
const HIDDEN: usize = 576;
const MLP: usize = 1536;
/// Tokens in kefu bench's reply prompt.
const PROMPT_TOKENS: usize = 328;
/// Conversations decoding together in kefu bench's largest batch.
const BATCH: usize = 8;

fn main() -> candle_core::Result<()> {
    let device = Device::Cpu;
    let weights = Tensor::randn(0f32, 0.02, (MLP, HIDDEN), &device)?;
    let mut results = Vec::new();
    for (name, dtype) in [
        ("q8_0", GgmlDType::Q8_0),
        ("q4_0", GgmlDType::Q4_0),
        ("q4_1", GgmlDType::Q4_1),
    ] {
        let quantized = QTensor::quantize(&weights, dtype)?;
        if dtype == GgmlDType::Q8_0 {
            let bytes = quantized.data()?.to_vec();
            let blocks = q8_0_blocks(&bytes);
            let upstream = |x: &[f32], m: usize| {
                let mut out = vec![0f32; m * MLP];
                k_quants::matmul((m, HIDDEN, MLP), x, &blocks, &mut out).map(|_| out)
            };
            results.push(entry("q8_0_upstream", |tokens, calls| {
                let x: Vec<f32> = input(tokens)?.flatten_all()?.to_vec1()?;
                time_per_call(calls, || upstream(&x, tokens).map(drop))
            })?);
        }
        let matmul = QMatMul::from_qtensor(quantized)?;
        results.push(entry(name, |tokens, calls| {
            let x = input(tokens)?;
            time_per_call(calls, || matmul.forward(&x).map(drop))
        })?);
    }
    results.push(sweep::run()?);
    println!(
        "{{\"avx2\":{},\"fma\":{},\"avx512f\":{},{}}}",
        cfg!(target_feature = "avx2"),
        cfg!(target_feature = "fma"),
        cfg!(target_feature = "avx512f"),
        results.join(",")
    );
    Ok(())
}

/// One JSON member: µs per decode call, per token in a batch of eight, and
/// per prompt token.
fn entry(
    name: &str,
    time: impl Fn(usize, usize) -> candle_core::Result<f64>,
) -> candle_core::Result<String> {
    let decode = time(1, 400)?;
    let batch = time(BATCH, 100)?;
    let prompt = time(PROMPT_TOKENS, 6)?;
    Ok(format!(
        "\"{name}\":{{\"decode_us\":{:.1},\"batch8_us_per_token\":{:.1},\"prompt_us_per_token\":{:.1}}}",
        decode * 1e6,
        batch * 1e6 / BATCH as f64,
        prompt * 1e6 / PROMPT_TOKENS as f64
    ))
}

fn input(tokens: usize) -> candle_core::Result<Tensor> {
    Tensor::randn(0f32, 1.0, (tokens, HIDDEN), &Device::Cpu)
}

/// The Q8_0 blocks of a tensor's GGUF bytes.
fn q8_0_blocks(bytes: &[u8]) -> Vec<BlockQ8_0> {
    let size = std::mem::size_of::<BlockQ8_0>();
    // Safety: BlockQ8_0 is repr(C) plain data, read unaligned.
    (0..bytes.len() / size)
        .map(|i| unsafe { (bytes.as_ptr().add(i * size) as *const BlockQ8_0).read_unaligned() })
        .collect()
}

/// Seconds per call, best of three rounds of `calls` calls (after a
/// warm-up call).
fn time_per_call(
    calls: usize,
    mut call: impl FnMut() -> candle_core::Result<()>,
) -> candle_core::Result<f64> {
    call()?;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        for _ in 0..calls {
            call()?;
        }
        best = best.min(started.elapsed().as_secs_f64() / calls as f64);
    }
    Ok(best)
}
