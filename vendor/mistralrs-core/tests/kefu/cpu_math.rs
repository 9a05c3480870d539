//! kefu's mistralrs-core (vendor/mistralrs-core/src/cpu_math.rs) replaces
//! CPU kernels of a transformer layer with vectorized ones: the exponential
//! (softmax and SiLU), SiLU(gate)·up (also over the halves of one fused
//! projection), the rotary position embedding, and the
//! dot product of paged decoding. These check each against libm, a plain
//! formula (in f64), and candle-nn's own kernels.

use crate::values;
use candle_core::{DType, Device, Tensor};
use mistralrs_core::cpu_math;

fn worst_difference(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn random(shape: &[usize], dtype: DType) -> Tensor {
    Tensor::randn(0f32, 2.0, shape, &Device::Cpu)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
}

#[test]
fn exp_is_within_two_ulp_of_libm_and_handles_the_edges() {
    let mut worst = 0f64;
    let mut x = -87.3f32;
    while x < 88.7 {
        let (got, want) = (cpu_math::exp(x) as f64, (x as f64).exp());
        worst = worst.max(((got - want) / want).abs());
        x += 0.001_37;
    }
    assert!(worst < 2.5e-7, "relative error {worst}");
    assert_eq!(cpu_math::exp(0.0), 1.0);
    assert_eq!(cpu_math::exp(f32::NEG_INFINITY), 0.0);
    assert_eq!(cpu_math::exp(-100.0), 0.0);
    assert_eq!(cpu_math::exp(100.0), f32::INFINITY);
    assert!(cpu_math::exp(f32::NAN).is_nan());
}

#[test]
fn exp_shifted_sum_is_a_softmax_numerator() {
    // 37 values: two 16-lane chunks and a remainder; -inf is a masked key.
    let mut xs: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin() * 9.0).collect();
    xs[5] = f32::NEG_INFINITY;
    let max = xs.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
    let want: Vec<f64> = xs.iter().map(|&x| (x as f64 - max as f64).exp()).collect();
    let sum = cpu_math::exp_shifted_sum(&mut xs, max);
    let got: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
    assert!(worst_difference(&got, &want) < 1e-6);
    assert_eq!(xs[5], 0.0);
    assert!((sum as f64 - want.iter().sum::<f64>()).abs() < 1e-5);
}

#[test]
fn dot_f32_matches_the_sum_in_f64_at_every_length_and_tail() {
    let a: Vec<f32> = random(&[70], DType::F32).to_vec1().unwrap();
    let b: Vec<f32> = random(&[70], DType::F32).to_vec1().unwrap();
    // Every vector-loop shape: none, one and two 16-wide steps, an 8-wide
    // step, scalar tails; unequal lengths use the common prefix.
    for n in 0..=70 {
        let want: f64 = (0..n).map(|i| a[i] as f64 * b[i] as f64).sum();
        let got = cpu_math::dot_f32(&a[..n], &b[..n]) as f64;
        assert!(
            (got - want).abs() < 1e-4 * (1.0 + want.abs()),
            "n={n}: {got} vs {want}"
        );
        let longer = cpu_math::dot_f32(&a[..n], &b) as f64;
        assert!(
            (longer - want).abs() < 1e-4 * (1.0 + want.abs()),
            "n={n}: {longer}"
        );
    }
}

#[test]
fn silu_mul_matches_the_formula_in_f32_and_bf16() {
    // A decoding step's 1,536 values (one thread) and a prompt's (tasks).
    for len in [1_536, 40 * 1_536] {
        for (dtype, tolerance) in [(DType::F32, 1e-5), (DType::BF16, 0.02)] {
            let (a, b) = (random(&[1, len], dtype), random(&[1, len], dtype));
            let got = cpu_math::silu_mul(&a, &b)
                .unwrap()
                .expect("a CPU kernel for contiguous F32/BF16");
            assert_eq!(got.dtype(), dtype);
            let want: Vec<f64> = values(&a)
                .iter()
                .zip(values(&b))
                .map(|(x, y)| x / (1.0 + (-x).exp()) * y)
                .collect();
            // Relative to the magnitude: BF16 keeps 8 significant bits.
            let err = values(&got)
                .iter()
                .zip(&want)
                .map(|(g, w)| (g - w).abs() / w.abs().max(1.0))
                .fold(0.0, f64::max);
            assert!(err < tolerance, "{dtype:?} × {len}: off by {err}");
        }
    }
}

#[test]
fn silu_mul_takes_the_halves_of_a_fused_gate_and_up_projection() {
    // (batch, positions, gate | up): each half's rows lie a whole row of
    // both apart. Eight rows run on one thread, 24 in tasks.
    for (batch, positions, width) in [(8, 1, 1_536), (2, 12, 1_536), (1, 3, 5)] {
        let fused = random(&[batch, positions, 2 * width], DType::F32);
        let gate = fused.narrow(2, 0, width).unwrap();
        let up = fused.narrow(2, width, width).unwrap();
        assert!(!gate.is_contiguous() || batch * positions == 1);
        let got = cpu_math::silu_mul(&gate, &up)
            .unwrap()
            .expect("a CPU kernel for evenly spaced rows");
        let want = cpu_math::silu_mul(&gate.contiguous().unwrap(), &up.contiguous().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(got.dims(), &[batch, positions, width]);
        assert_eq!(values(&got), values(&want), "{batch}×{positions}×{width}");
    }
}

#[test]
fn silu_mul_leaves_other_inputs_to_the_general_path() {
    let a = random(&[4, 6], DType::F32);
    let b = random(&[4, 6], DType::F32);
    assert!(cpu_math::silu_mul(&a, &b.t().unwrap()).unwrap().is_none());
    let b16 = b.to_dtype(DType::BF16).unwrap();
    assert!(cpu_math::silu_mul(&a, &b16).unwrap().is_none());
}

/// cos and sin tables (positions, dim / 2) as the models build them.
fn tables(positions: usize, dim: usize, dtype: DType) -> (Tensor, Tensor) {
    let angles: Vec<f32> = (0..positions)
        .flat_map(|p| {
            (0..dim / 2).map(move |i| p as f32 / 10_000f32.powf(2.0 * i as f32 / dim as f32))
        })
        .collect();
    let angles = Tensor::from_vec(angles, (positions, dim / 2), &Device::Cpu).unwrap();
    let cast = |t: Tensor| t.to_dtype(dtype).unwrap();
    (cast(angles.cos().unwrap()), cast(angles.sin().unwrap()))
}

#[test]
fn rope_at_gives_each_conversation_its_own_position() {
    // A decoding step of three conversations at positions 5, 40 and 0, and
    // a chunk of four tokens each for two: the same as rotating each entry
    // alone by its narrowed tables.
    for (batch, seq, offsets) in [(3, 1, vec![5, 40, 0]), (2, 4, vec![0, 10]), (2, 1, vec![7])] {
        for dtype in [DType::F32, DType::BF16] {
            let xs = random(&[batch, 9, seq, 64], dtype);
            let (cos, sin) = tables(128, 64, dtype);
            for interleaved in [true, false] {
                let got = cpu_math::rope_at(&xs, &cos, &sin, &offsets, interleaved)
                    .unwrap()
                    .expect("a CPU kernel for contiguous inputs");
                assert_eq!(got.dims(), xs.dims());
                for b in 0..batch {
                    let at = offsets[if offsets.len() == 1 { 0 } else { b }];
                    let (c, s) = (
                        cos.narrow(0, at, seq).unwrap(),
                        sin.narrow(0, at, seq).unwrap(),
                    );
                    let one = xs.narrow(0, b, 1).unwrap().contiguous().unwrap();
                    let want = cpu_math::rope(&one, &c, &s, interleaved).unwrap().unwrap();
                    let got = got.narrow(0, b, 1).unwrap();
                    assert_eq!(
                        values(&got),
                        values(&want),
                        "{dtype:?}, entry {b} at {at}, interleaved {interleaved}"
                    );
                }
            }
        }
    }
    // Past the tables' end, or offsets that fit neither one nor each entry:
    // left to the caller's general path.
    let xs = random(&[2, 9, 1, 64], DType::F32);
    let (cos, sin) = tables(128, 64, DType::F32);
    assert!(cpu_math::rope_at(&xs, &cos, &sin, &[3, 128], true)
        .unwrap()
        .is_none());
    assert!(cpu_math::rope_at(&xs, &cos, &sin, &[1, 2, 3], true)
        .unwrap()
        .is_none());
}

#[test]
fn rope_matches_candle_nn_in_both_layouts() {
    // SmolLM2's 9 heads of 64 over a prompt (tasks) and a decoding step at
    // position 40 (one thread; the tables narrowed as mistral.rs does).
    for (seq, offset) in [(70, 0), (1, 40)] {
        for (dtype, tolerance) in [(DType::F32, 1e-5), (DType::BF16, 0.05)] {
            let xs = random(&[2, 9, seq, 64], dtype);
            let (cos, sin) = tables(128, 64, dtype);
            let (cos, sin) = (
                cos.narrow(0, offset, seq).unwrap(),
                sin.narrow(0, offset, seq).unwrap(),
            );
            for interleaved in [true, false] {
                let got = cpu_math::rope(&xs, &cos, &sin, interleaved)
                    .unwrap()
                    .expect("a CPU kernel for contiguous inputs");
                // candle-nn's kernel, in f32 so that only ours rounds to BF16.
                let f32s = |t: &Tensor| t.to_dtype(DType::F32).unwrap();
                let (x, c, s) = (f32s(&xs), f32s(&cos), f32s(&sin));
                let want = if interleaved {
                    candle_nn::rotary_emb::rope_i(&x, &c, &s)
                } else {
                    candle_nn::rotary_emb::rope(&x, &c, &s)
                }
                .unwrap();
                assert_eq!(got.dims(), want.dims());
                let err = worst_difference(&values(&got), &values(&want));
                assert!(
                    err < tolerance,
                    "{dtype:?}, {seq} positions from {offset}, interleaved {interleaved}: off by {err}"
                );
            }
        }
    }
}
