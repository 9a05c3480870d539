//! kefu's mistralrs-core runs paged attention on the CPU (upstream: CUDA
//! and Metal only), so conversations of different lengths decode in one
//! batch. These drive it through the steps an engine takes, against
//! attention written out in f64: a prompt batch of three sequences of
//! different lengths (right-padded) whose blocks lie scattered in the cache;
//! a decoding step of all three; a fourth prompt that finds its first two
//! blocks in the prefix cache (another sequence's) and attends to them. In
//! F32, BF16 and F16, with grouped-query heads (three, five and seven per kv
//! head) and head sizes that take every path of the decoding kernels.

use candle_core::{DType, Device, Tensor};
use mistralrs_core::layers::SdpaParams;
use mistralrs_core::paged_attention_cpu::{attend, PagedAttentionInputMetadata};
use std::collections::HashMap;

/// The attention's head counts and head size.
#[derive(Clone, Copy)]
struct Heads {
    q: usize,
    kv: usize,
    dim: usize,
}

const BLOCK: usize = 16;
const BLOCKS: usize = 16;
const PAD: i64 = -1;

/// One sequence: its block table and every token's q, k, v (per head).
struct Seq {
    table: Vec<u32>,
    q: Vec<Vec<f32>>,
    k: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
}

fn random_rows(n: usize, width: usize) -> Vec<Vec<f32>> {
    let t = Tensor::randn(0f32, 1.0, (n, width), &Device::Cpu).unwrap();
    t.to_vec2().unwrap()
}

impl Seq {
    fn new(table: Vec<u32>, len: usize, shape: Heads) -> Self {
        Self {
            table,
            q: random_rows(len, shape.q * shape.dim),
            k: random_rows(len, shape.kv * shape.dim),
            v: random_rows(len, shape.kv * shape.dim),
        }
    }

    fn slot(&self, pos: usize) -> i64 {
        (self.table[pos / BLOCK] as usize * BLOCK + pos % BLOCK) as i64
    }
}

/// (batch, heads, len, dim) from each sequence's rows `range`, zero-padded.
fn batch(rows: &[&[Vec<f32>]], heads: usize, len: usize, dim: usize, dtype: DType) -> Tensor {
    let mut data = vec![0f32; rows.len() * heads * len * dim];
    for (b, rows) in rows.iter().enumerate() {
        for (t, row) in rows.iter().enumerate() {
            for h in 0..heads {
                let at = ((b * heads + h) * len + t) * dim;
                data[at..at + dim].copy_from_slice(&row[h * dim..(h + 1) * dim]);
            }
        }
    }
    let t = Tensor::from_vec(data, (rows.len(), heads, len, dim), &Device::Cpu).unwrap();
    t.to_dtype(dtype).unwrap()
}

/// What a row at position `pos` gets: softmax over keys 0..=pos, in f64,
/// from the rows as rounded through `dtype`.
fn reference(
    keys: &[Vec<f32>],
    values: &[Vec<f32>],
    q: &[f32],
    pos: usize,
    shape: Heads,
    dtype: DType,
) -> Vec<f64> {
    let round = |x: &[f32]| -> Vec<f64> {
        let t = Tensor::new(x, &Device::Cpu)
            .unwrap()
            .to_dtype(dtype)
            .unwrap();
        t.to_dtype(DType::F64).unwrap().to_vec1().unwrap()
    };
    let scale = 1.0 / (shape.dim as f64).sqrt();
    let mut out = Vec::new();
    for h in 0..shape.q {
        let kv_h = h / (shape.q / shape.kv);
        let qh = round(&q[h * shape.dim..(h + 1) * shape.dim]);
        let scores: Vec<f64> = keys[..=pos]
            .iter()
            .map(|k| {
                let k = round(&k[kv_h * shape.dim..(kv_h + 1) * shape.dim]);
                qh.iter().zip(&k).map(|(a, b)| a * b).sum::<f64>() * scale
            })
            .collect();
        let max = scores.iter().cloned().fold(f64::MIN, f64::max);
        let weights: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
        let sum: f64 = weights.iter().sum();
        let mut acc = vec![0f64; shape.dim];
        for (w, v) in weights.iter().zip(values) {
            let v = round(&v[kv_h * shape.dim..(kv_h + 1) * shape.dim]);
            acc.iter_mut().zip(&v).for_each(|(a, v)| *a += w * v / sum);
        }
        out.extend(acc);
    }
    out
}

fn metadata(
    slots: Vec<Vec<i64>>,
    tables: &[&[u32]],
    cached: Option<Vec<usize>>,
) -> PagedAttentionInputMetadata {
    let dev = Device::Cpu;
    let width = tables.iter().map(|t| t.len()).max().unwrap();
    let mut flat_tables = Vec::new();
    for t in tables {
        flat_tables.extend(t.iter().copied());
        flat_tables.extend(std::iter::repeat_n(0u32, width - t.len()));
    }
    let (rows, cols) = (slots.len(), slots[0].len());
    let slots: Vec<i64> = slots.into_iter().flatten().collect();
    let mut meta = PagedAttentionInputMetadata::dummy(&dev).unwrap();
    meta.slot_mappings = HashMap::from([(
        dev.location(),
        Tensor::from_vec(slots, (rows, cols), &dev).unwrap(),
    )]);
    let tables = Tensor::from_vec(flat_tables, (tables.len(), width), &dev).unwrap();
    meta.block_tables = Some(HashMap::from([(dev.location(), tables)]));
    meta.is_first_prompt_chunk = true;
    meta.num_cached_tokens = cached;
    meta
}

fn params(shape: Heads) -> SdpaParams {
    SdpaParams {
        n_kv_groups: shape.q / shape.kv,
        softcap: None,
        softmax_scale: 1.0 / (shape.dim as f32).sqrt(),
        sliding_window: None,
        sinks: None,
    }
}

/// Causal mask (len, len) of 0 and -inf.
fn causal(len: usize, dtype: DType) -> Tensor {
    let m: Vec<f32> = (0..len * len)
        .map(|i| {
            if i % len <= i / len {
                0.0
            } else {
                f32::NEG_INFINITY
            }
        })
        .collect();
    Tensor::from_vec(m, (len, len), &Device::Cpu)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
}

/// Largest difference between `out` row (b, t) laid out (batch, heads,
/// len, dim) and `want` (heads·dim).
fn error(out: &Tensor, b: usize, t: usize, want: &[f64]) -> f64 {
    let row = out.narrow(0, b, 1).unwrap().narrow(2, t, 1).unwrap();
    let got: Vec<f64> = row
        .to_dtype(DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    got.iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f64::max)
}

fn run(shape: Heads, dtype: DType, tolerance: f64) {
    let caches =
        || Tensor::zeros((BLOCKS, shape.kv, BLOCK, shape.dim), dtype, &Device::Cpu).unwrap();
    let (k_cache, v_cache) = (caches(), caches());
    // Lengths after the prompt: 5, 37, 20; each decodes one more token.
    let seqs = [
        Seq::new(vec![3], 6, shape),
        Seq::new(vec![7, 1, 12], 38, shape),
        Seq::new(vec![5, 9], 21, shape),
    ];
    let prompt_lens = [5, 37, 20];
    let longest = 37;

    // The prompt batch, right-padded as mistral.rs pads it.
    let q_rows: Vec<&[Vec<f32>]> = seqs
        .iter()
        .zip(prompt_lens)
        .map(|(s, n)| &s.q[..n])
        .collect();
    let k_rows: Vec<&[Vec<f32>]> = seqs
        .iter()
        .zip(prompt_lens)
        .map(|(s, n)| &s.k[..n])
        .collect();
    let v_rows: Vec<&[Vec<f32>]> = seqs
        .iter()
        .zip(prompt_lens)
        .map(|(s, n)| &s.v[..n])
        .collect();
    let slots = seqs
        .iter()
        .zip(prompt_lens)
        .map(|(s, n)| {
            (0..longest)
                .map(|p| if p < n { s.slot(p) } else { PAD })
                .collect()
        })
        .collect();
    let tables: Vec<&[u32]> = seqs.iter().map(|s| &s.table[..]).collect();
    let meta = metadata(slots, &tables, None);
    let out = attend(
        &batch(&q_rows, shape.q, longest, shape.dim, dtype),
        &batch(&k_rows, shape.kv, longest, shape.dim, dtype),
        &batch(&v_rows, shape.kv, longest, shape.dim, dtype),
        Some(&causal(longest, dtype)),
        &k_cache,
        &v_cache,
        &meta,
        &params(shape),
        true,
    )
    .unwrap();
    for (b, (s, n)) in seqs.iter().zip(prompt_lens).enumerate() {
        for t in 0..n {
            let want = reference(&s.k, &s.v, &s.q[t], t, shape, dtype);
            let e = error(&out, b, t, &want);
            assert!(
                e < tolerance,
                "{dtype:?} prompt seq {b} row {t}: off by {e}"
            );
        }
    }

    // One decoding step for all three: each row sees its whole context,
    // read back from the blocks the prompt wrote.
    let step = |rows: fn(&Seq) -> &Vec<Vec<f32>>, heads| {
        let last: Vec<&[Vec<f32>]> = seqs
            .iter()
            .zip(prompt_lens)
            .map(|(s, n)| &rows(s)[n..=n])
            .collect();
        batch(&last, heads, 1, shape.dim, dtype)
    };
    let slots = seqs
        .iter()
        .zip(prompt_lens)
        .map(|(s, n)| vec![s.slot(n)])
        .collect();
    let meta = metadata(slots, &tables, None);
    let out = attend(
        &step(|s| &s.q, shape.q),
        &step(|s| &s.k, shape.kv),
        &step(|s| &s.v, shape.kv),
        None,
        &k_cache,
        &v_cache,
        &meta,
        &params(shape),
        true,
    )
    .unwrap();
    // Decode returns (batch, 1, heads, dim).
    let out = out.reshape((3, 1, 1, shape.q * shape.dim)).unwrap();
    for (b, (s, n)) in seqs.iter().zip(prompt_lens).enumerate() {
        let want = reference(&s.k, &s.v, &s.q[n], n, shape, dtype);
        let e = error(&out, b, 0, &want);
        assert!(e < tolerance, "{dtype:?} decode seq {b}: off by {e}");
    }

    // A prompt whose first 32 tokens are the second sequence's (its blocks
    // 7 and 1, from the prefix cache): only its 10 new tokens are computed.
    let mut fourth = Seq::new(vec![7, 1, 14], 42, shape);
    fourth.k[..32].clone_from_slice(&seqs[1].k[..32]);
    fourth.v[..32].clone_from_slice(&seqs[1].v[..32]);
    let slots = vec![(32..42).map(|p| fourth.slot(p)).collect()];
    let meta = metadata(slots, &[&fourth.table], Some(vec![32]));
    let out = attend(
        &batch(&[&fourth.q[32..]], shape.q, 10, shape.dim, dtype),
        &batch(&[&fourth.k[32..]], shape.kv, 10, shape.dim, dtype),
        &batch(&[&fourth.v[32..]], shape.kv, 10, shape.dim, dtype),
        Some(&causal(10, dtype)),
        &k_cache,
        &v_cache,
        &meta,
        &params(shape),
        true,
    )
    .unwrap();
    for t in 0..10 {
        let want = reference(
            &fourth.k,
            &fourth.v,
            &fourth.q[32 + t],
            32 + t,
            shape,
            dtype,
        );
        let e = error(&out, 0, t, &want);
        assert!(e < tolerance, "{dtype:?} cached prompt row {t}: off by {e}");
    }
}

/// Five query heads per kv head: the decoding step's key pass takes four
/// heads at once, then one; its value pass three, then two. A head size that
/// leaves a tail of four after the vectors of eight.
const FIVE_PER_KV_HEAD: Heads = Heads {
    q: 10,
    kv: 2,
    dim: 36,
};

/// SmolLM2's shape: three query heads per kv head, 64 wide.
const SMOLLM2: Heads = Heads {
    q: 9,
    kv: 3,
    dim: 64,
};

/// Seven per kv head (key pass 4 + 3, value pass 3 + 3 + 1) and a head size
/// of 32 + 8 + 8 + 4: every tile width of the value pass and a tail.
const SEVEN_PER_KV_HEAD: Heads = Heads {
    q: 14,
    kv: 2,
    dim: 52,
};

#[test]
fn paged_attention_f32_matches_reference_through_prompt_decode_and_prefix_hit() {
    run(FIVE_PER_KV_HEAD, DType::F32, 1e-4);
    run(SEVEN_PER_KV_HEAD, DType::F32, 1e-4);
}

#[test]
fn paged_attention_bf16_matches_reference_through_prompt_decode_and_prefix_hit() {
    // BF16 keeps 8 bits of mantissa; the output is rounded once more.
    run(FIVE_PER_KV_HEAD, DType::BF16, 4e-2);
    run(SMOLLM2, DType::BF16, 4e-2);
}

#[test]
fn paged_attention_f16_matches_reference_through_prompt_decode_and_prefix_hit() {
    // F16 keeps 11 bits of mantissa.
    run(SEVEN_PER_KV_HEAD, DType::F16, 5e-3);
    run(SMOLLM2, DType::F16, 5e-3);
}
