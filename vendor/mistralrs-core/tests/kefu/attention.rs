//! kefu's mistralrs-core (vendor/mistralrs-core) computes CPU attention
//! with a vectorized dot product. These check it, through mistral.rs's own
//! entry point (`Sdpa::run_attention`), against attention written out in
//! f64: a causal prompt (blocks of query rows and two matrix products) and a
//! decoding step, grouped-query heads, head sizes and lengths that are not
//! multiples of the kernels' tiles, in F32 and BF16.

use crate::values;
use candle_core::{DType, Device, Tensor};
use mistralrs_core::layers::{Sdpa, SdpaParams};

/// One attention problem: `heads` query heads share `kv_heads` K/V heads.
struct Case {
    batch: usize,
    heads: usize,
    kv_heads: usize,
    q_len: usize,
    kv_len: usize,
    head_dim: usize,
}

/// Random (batch, heads, len, head_dim) values, rounded through `dtype`.
fn random(shape: (usize, usize, usize, usize), dtype: DType) -> Tensor {
    Tensor::randn(0f32, 1.0, shape, &Device::Cpu)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
}

/// Softmax(q·kᵀ·scale + mask)·v in f64, laid out (b, h, q, d). With a
/// causal mask the query rows are the last `q_len` positions of the
/// `kv_len` keys; without, every query sees every key.
fn reference(
    case: &Case,
    (q, k, v): (&Tensor, &Tensor, &Tensor),
    scale: f64,
    causal: bool,
) -> Vec<f64> {
    let (q, k, v) = (values(q), values(k), values(v));
    let d = case.head_dim;
    let group = case.heads / case.kv_heads;
    let mut out = Vec::with_capacity(case.batch * case.heads * case.q_len * d);
    for b in 0..case.batch {
        for h in 0..case.heads {
            let kv_h = h / group;
            let row = |data: &[f64], heads: usize, len: usize, head: usize, pos: usize| {
                let at = ((b * heads + head) * len + pos) * d;
                data[at..at + d].to_vec()
            };
            for qi in 0..case.q_len {
                let query = row(&q, case.heads, case.q_len, h, qi);
                let visible = if causal {
                    case.kv_len - case.q_len + qi + 1
                } else {
                    case.kv_len
                };
                let scores: Vec<f64> = (0..visible)
                    .map(|p| {
                        let key = row(&k, case.kv_heads, case.kv_len, kv_h, p);
                        query.iter().zip(&key).map(|(a, b)| a * b).sum::<f64>() * scale
                    })
                    .collect();
                let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let weights: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
                let total: f64 = weights.iter().sum();
                let mut acc = vec![0f64; d];
                for (p, w) in weights.iter().enumerate() {
                    let value = row(&v, case.kv_heads, case.kv_len, kv_h, p);
                    for (a, x) in acc.iter_mut().zip(&value) {
                        *a += w / total * x;
                    }
                }
                out.extend(acc);
            }
        }
    }
    out
}

/// mistral.rs's attention parameters for `case`: no softcap, no window.
fn sdpa_params(case: &Case, scale: f64) -> SdpaParams {
    SdpaParams {
        n_kv_groups: case.heads / case.kv_heads,
        softcap: None,
        softmax_scale: scale as f32,
        sliding_window: None,
        sinks: None,
    }
}

/// Runs the case through mistral.rs's CPU attention and returns the largest
/// difference from the f64 reference.
fn worst_error(case: &Case, dtype: DType) -> f64 {
    let q = random((case.batch, case.heads, case.q_len, case.head_dim), dtype);
    let k = random(
        (case.batch, case.kv_heads, case.kv_len, case.head_dim),
        dtype,
    );
    let v = random(
        (case.batch, case.kv_heads, case.kv_len, case.head_dim),
        dtype,
    );
    let scale = 1.0 / (case.head_dim as f64).sqrt();
    // The additive causal mask mistral.rs builds for a prompt: 0 where a
    // query may look, -inf after it. A decoding step gets none.
    let mask = (case.q_len > 1).then(|| {
        let offset = case.kv_len - case.q_len;
        let data: Vec<f32> = (0..case.q_len)
            .flat_map(|qi| {
                (0..case.kv_len).map(move |p| {
                    if p <= offset + qi {
                        0.0
                    } else {
                        f32::NEG_INFINITY
                    }
                })
            })
            .collect();
        Tensor::from_vec(data, (case.q_len, case.kv_len), &Device::Cpu)
            .unwrap()
            .to_dtype(dtype)
            .unwrap()
    });
    let params = sdpa_params(case, scale);
    let out = Sdpa
        .run_attention(&q, &k, &v, mask.as_ref(), None, &params)
        .unwrap();
    assert_eq!(
        out.dims(),
        &[case.batch, case.heads, case.q_len, case.head_dim]
    );
    let want = reference(case, (&q, &k, &v), scale, true);
    let got = values(&out);
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(&want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f64::max)
}

/// SmolLM2-135M's attention (9 query heads over 3 K/V heads of 64) on a
/// 37-token prompt, odd sizes, and the next turn of a conversation whose
/// first 30 positions the prefix cache holds (70 new rows: three blocks of
/// query rows, the last one partial).
const PROMPTS: [Case; 3] = [
    Case {
        batch: 2,
        heads: 9,
        kv_heads: 3,
        q_len: 37,
        kv_len: 37,
        head_dim: 64,
    },
    Case {
        batch: 1,
        heads: 4,
        kv_heads: 4,
        q_len: 19,
        kv_len: 19,
        head_dim: 40,
    },
    Case {
        batch: 1,
        heads: 9,
        kv_heads: 3,
        q_len: 70,
        kv_len: 100,
        head_dim: 64,
    },
];

/// One new token against a long cache: mistral.rs's decoding path, which
/// splits the cache into tiles of 16 positions.
const STEPS: [Case; 2] = [
    Case {
        batch: 3,
        heads: 9,
        kv_heads: 3,
        q_len: 1,
        kv_len: 53,
        head_dim: 64,
    },
    Case {
        batch: 1,
        heads: 2,
        kv_heads: 1,
        q_len: 1,
        kv_len: 7,
        head_dim: 21,
    },
];

#[test]
fn prompt_attention_matches_reference_in_f32() {
    for case in &PROMPTS {
        let err = worst_error(case, DType::F32);
        assert!(err < 1e-4, "F32 prompt attention off by {err}");
    }
}

#[test]
fn decode_attention_matches_reference_in_f32() {
    for case in &STEPS {
        let err = worst_error(case, DType::F32);
        assert!(
            err < 1e-4,
            "F32 decode attention off by {err} (batch {})",
            case.batch
        );
    }
}

#[test]
fn attention_matches_reference_in_bf16() {
    // Outputs are averages of values within ±4 or so; BF16 keeps 8 bits.
    for case in PROMPTS.iter().chain(&STEPS) {
        let err = worst_error(case, DType::BF16);
        assert!(err < 0.04, "BF16 attention off by {err}");
    }
}

#[test]
fn a_mask_that_is_not_one_row_per_query_is_looked_up_per_key() {
    // A (q_len, 1) mask, broadcast over the keys: mistral.rs reads it value
    // by value. A constant per query does not change a softmax, so the
    // result is attention with every key visible.
    let case = &PROMPTS[1];
    let t = |heads, len| random((case.batch, heads, len, case.head_dim), DType::F32);
    let (q, k, v) = (
        t(case.heads, case.q_len),
        t(case.kv_heads, case.kv_len),
        t(case.kv_heads, case.kv_len),
    );
    let bias: Vec<f32> = (0..case.q_len).map(|i| i as f32 * 0.5).collect();
    let mask = Tensor::from_vec(bias, (case.q_len, 1), &Device::Cpu).unwrap();
    let scale = 1.0 / (case.head_dim as f64).sqrt();
    let params = sdpa_params(case, scale);
    let out = Sdpa
        .run_attention(&q, &k, &v, Some(&mask), None, &params)
        .unwrap();
    let want = reference(case, (&q, &k, &v), scale, false);
    let err = values(&out)
        .iter()
        .zip(&want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f64::max);
    assert!(err < 1e-4, "broadcast mask: off by {err}");
}
