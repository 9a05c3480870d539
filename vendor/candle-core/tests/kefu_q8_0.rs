//! kefu's candle-core (vendor/candle-core) multiplies Q8_0 weights in a
//! repacked layout on the CPU. These check it against upstream's own
//! algorithm (`k_quants::matmul`, still in the crate) and that the weights
//! read back exactly as they were loaded.

use candle_core::quantized::k_quants::{self, BlockQ8_0};
use candle_core::quantized::repacked_q8_0::kernel;
use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};

/// Random weights of `n` × `k`, quantized to `dtype`, with their GGUF bytes.
fn weights(n: usize, k: usize, dtype: GgmlDType) -> (QTensor, Vec<u8>) {
    let w = Tensor::randn(0f32, 0.05, (n, k), &Device::Cpu).unwrap();
    let q = QTensor::quantize(&w, dtype).unwrap();
    let bytes = q.data().unwrap().to_vec();
    (q, bytes)
}

fn blocks(bytes: &[u8]) -> Vec<BlockQ8_0> {
    let size = std::mem::size_of::<BlockQ8_0>();
    assert_eq!(bytes.len() % size, 0);
    // Safety: BlockQ8_0 is repr(C) plain data; read_unaligned copes with
    // the byte buffer's alignment.
    (0..bytes.len() / size)
        .map(|i| unsafe { (bytes.as_ptr().add(i * size) as *const BlockQ8_0).read_unaligned() })
        .collect()
}

fn the_qtensor(matmul: &QMatMul) -> &QTensor {
    match matmul {
        QMatMul::QTensor(q) => q,
        other => panic!("expected a quantized matmul, got {other:?}"),
    }
}

/// A tensor's elements, flattened.
fn values(t: &Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1().unwrap()
}

/// Largest difference relative to the largest magnitude.
fn relative_error(want: &[f32], got: &[f32]) -> f32 {
    assert_eq!(want.len(), got.len());
    let scale = want.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
    want.iter()
        .zip(got)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()))
        / scale
}

/// `x` (any leading dimensions, then k) times the weights' transpose, by
/// upstream's algorithm and by the matmul kefu builds; both flattened.
fn upstream_and_repacked(
    x: &Tensor,
    upstream: &[BlockQ8_0],
    matmul: &QMatMul,
) -> (Vec<f32>, Vec<f32>) {
    let k = x.dims()[x.rank() - 1];
    let n = upstream.len() * 32 / k;
    let m = x.elem_count() / k;
    let xs = values(x);
    let mut want = vec![0f32; m * n];
    k_quants::matmul((m, k, n), &xs, upstream, &mut want).unwrap();
    let got = matmul.forward(x).unwrap();
    let mut dims = x.dims().to_vec();
    *dims.last_mut().unwrap() = n;
    assert_eq!(got.dims(), dims.as_slice());
    (want, values(&got))
}

#[test]
fn repacked_q8_0_matches_upstream_for_every_tile_height() {
    // Called from outside rayon's pool, the small matrix runs on the calling
    // thread and the larger one on the pool (from 2^20 products); called
    // from a worker of a pool (as kefu's engine calls it), both run on the
    // pool. Activations are quantized in parallel from 16 rows. Seven
    // groups of eight rows leave a remainder after every width the VNNI
    // kernel takes at once (2, 3, 4 groups); 128 groups of k = 1536 span
    // more than one cache-sized run of groups per task.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for on_pool in [false, true] {
        for (n, k) in [(56, 96), (64, 96), (256, 512), (1024, 1536)] {
            if on_pool {
                pool.install(|| matches_upstream_for_every_tile_height(n, k));
            } else {
                matches_upstream_for_every_tile_height(n, k);
            }
        }
    }
}

/// The repacked matmul of `n` × `k` weights against upstream's algorithm.
fn matches_upstream_for_every_tile_height(n: usize, k: usize) {
    let (q, bytes) = weights(n, k, GgmlDType::Q8_0);
    let upstream = blocks(&bytes);
    let matmul = QMatMul::from_qtensor(q).unwrap();
    // 1..=9 rows: full tiles of four and every remainder, as a prompt
    // and a batch of decoding conversations produce them; then a batch
    // dimension in front, as the models call it.
    let shapes = (1..=9)
        .chain([17])
        .map(|m| vec![m, k])
        .chain([vec![2, 3, k]]);
    for shape in shapes {
        let x = Tensor::randn(0f32, 1.0, shape.as_slice(), &Device::Cpu).unwrap();
        let (want, got) = upstream_and_repacked(&x, &upstream, &matmul);
        let err = relative_error(&want, &got);
        assert!(err < 1e-5, "{n}x{k}, input {shape:?}: relative error {err}");
    }
}

#[test]
fn activations_round_halves_away_from_zero_as_upstream() {
    // Each block of 32 starts with 127, so its scale is exactly 1 and the
    // quantized activations are the rounded inputs: halves (and the float
    // just below one) decide whether kefu's vectorized rounding is `round`.
    let (n, k) = (64, 128);
    let (q, bytes) = weights(n, k, GgmlDType::Q8_0);
    let upstream = blocks(&bytes);
    let matmul = QMatMul::from_qtensor(q).unwrap();
    let tricky = [
        0.5,
        -0.5,
        1.5,
        -1.5,
        2.5,
        -2.5,
        0.499_999_97,
        -0.499_999_97,
        126.5,
        -126.5,
        0.0,
        -0.0,
        3.499_999_8,
        -3.5,
        7.25,
        -7.75,
    ];
    let row: Vec<f32> = (0..k)
        .map(|i| match i % 32 {
            0 => 127.0,
            j => tricky[j % tricky.len()],
        })
        .collect();
    let rows = 17; // the parallel quantization path as well as the inline one
    for m in [1, rows] {
        let xs: Vec<f32> = row.iter().copied().cycle().take(m * k).collect();
        let x = Tensor::from_vec(xs, (m, k), &Device::Cpu).unwrap();
        let (want, got) = upstream_and_repacked(&x, &upstream, &matmul);
        let err = relative_error(&want, &got);
        assert!(err < 1e-5, "{m} rows of halves: relative error {err}");
    }
}

#[test]
fn repacked_weights_read_back_as_loaded() {
    let (n, k) = (24, 64);
    let (q, bytes) = weights(n, k, GgmlDType::Q8_0);
    let dequantized = values(&q.dequantize(&Device::Cpu).unwrap());
    let matmul = QMatMul::from_qtensor(q).unwrap();
    let q = the_qtensor(&matmul);
    // The repacked layout keeps each row block's scale as f32 and its
    // weights' sum times -128 as i32 (40 bytes, not GGUF's 34): the matmul
    // really is the new one.
    let block_bytes = if kernel() == "upstream" { 34 } else { 40 };
    assert_eq!(q.storage_size_in_bytes(), n * k / 32 * block_bytes);
    assert_eq!(q.dtype(), GgmlDType::Q8_0);
    assert_eq!(
        q.data().unwrap().as_ref(),
        bytes.as_slice(),
        "GGUF bytes changed"
    );
    let again = values(&q.dequantize(&Device::Cpu).unwrap());
    assert_eq!(again, dequantized);
    // Making a matmul of repacked weights again keeps them as they are.
    let QMatMul::QTensor(arc) = &matmul else {
        unreachable!()
    };
    let again = QMatMul::from_arc(arc.clone()).unwrap();
    assert!(std::sync::Arc::ptr_eq(
        arc,
        match &again {
            QMatMul::QTensor(q) => q,
            _ => unreachable!(),
        }
    ));
}

#[test]
fn shapes_and_types_the_kernel_does_not_cover_keep_upstreams_path() {
    // 20 rows is not a multiple of the 8-row groups; Q4_0 is another type.
    for (n, dtype, block_bytes) in [(20, GgmlDType::Q8_0, 34), (16, GgmlDType::Q4_0, 18)] {
        let k = 64;
        let (q, bytes) = weights(n, k, dtype);
        let w = q.dequantize(&Device::Cpu).unwrap();
        let matmul = QMatMul::from_qtensor(q).unwrap();
        let q = the_qtensor(&matmul);
        assert_eq!(q.storage_size_in_bytes(), n * k / 32 * block_bytes);
        assert_eq!(q.data().unwrap().as_ref(), bytes.as_slice());
        let x = Tensor::randn(0f32, 1.0, (3, k), &Device::Cpu).unwrap();
        let want = values(&x.matmul(&w.t().unwrap()).unwrap());
        let got = values(&matmul.forward(&x).unwrap());
        // Activations are quantized to 8 bits: a few percent at most.
        assert!(relative_error(&want, &got) < 0.05);
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn the_kernel_in_use_is_the_best_one_or_the_one_asked_for() {
    let detected = |feature: &str| match feature {
        "avx2" => std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma"),
        _ => {
            std::is_x86_feature_detected!("avx512vnni") && std::is_x86_feature_detected!("avx512vl")
        }
    };
    let expected = match std::env::var("KEFU_Q8_0_KERNEL").as_deref() {
        Ok("upstream") => "upstream",
        _ if !detected("avx2") => "upstream",
        Ok("avx2") => "avx2",
        _ if detected("vnni") => "avx512-vnni",
        _ => "avx2",
    };
    assert_eq!(kernel(), expected);
}

/// This machine may run the VNNI kernel; the AVX2 one (CPUs without AVX-512
/// VNNI) and upstream's path are checked by running the tests above again
/// in child processes that ask for them.
#[cfg(target_arch = "x86_64")]
#[test]
fn the_avx2_kernel_and_upstreams_path_pass_the_same_tests() {
    if std::env::var_os("KEFU_Q8_0_KERNEL").is_some() {
        return; // a child: the parent runs the tests it wants
    }
    let tests = [
        "repacked_q8_0_matches_upstream_for_every_tile_height",
        "repacked_weights_read_back_as_loaded",
        "the_kernel_in_use_is_the_best_one_or_the_one_asked_for",
    ];
    for wanted in ["avx2", "upstream"] {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .env("KEFU_Q8_0_KERNEL", wanted)
            .args(["--exact", "--test-threads=1"])
            .args(tests)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("3 passed"),
            "KEFU_Q8_0_KERNEL={wanted}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
