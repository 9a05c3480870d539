//! kefu: element-wise `f32` math for the CPU paths, written so that the
//! compiler vectorizes it.
//!
//! libm's `expf` is a call per element; in the prompt attention and the
//! SiLU of every feed-forward layer those calls were ~8% of a prompt's CPU
//! time, and the loops around them ran scalar. The exponential below is
//! branch-free and inlines, so a loop over a slice becomes AVX2 code.

use candle_core::{DType, Device, Result, Storage, Tensor, WithDType};
use half::{bf16, f16};
use rayon::prelude::*;

/// `e^x` within 2 ulp for finite `x`; 0 below -87.3 (and for -∞), +∞ above
/// 88.7, NaN for NaN.
///
/// Cephes' `expf`: `e^x = 2^n · e^r` with `n = round(x / ln 2)` and
/// `|r| ≤ ln 2 / 2`, `e^r` by a degree-6 polynomial, `2^n` built in the
/// exponent bits. Only selects, float and integer arithmetic: no branch
/// and no float-to-int conversion (Rust's saturating `as` kept loops
/// scalar).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const LOWEST: f32 = -87.336_55;
    const HIGHEST: f32 = 88.722_84;
    // Adding 1.5 · 2^23 rounds to an integer, found in the low mantissa bits.
    const MAGIC: f32 = 12_582_912.0;
    // Comparisons, not max/min, so that NaN passes through.
    let clamped = if x < LOWEST {
        LOWEST
    } else if x > HIGHEST {
        HIGHEST
    } else {
        x
    };
    let t = fma(clamped, LOG2E, MAGIC);
    let n = t - MAGIC;
    let n_int = (t.to_bits() as i32).wrapping_sub(MAGIC.to_bits() as i32);
    let r = fma(n, -LN2_LO, fma(n, -LN2_HI, clamped));
    let mut p = 1.987_569_1e-4_f32;
    p = fma(p, r, 1.398_199_9e-3);
    p = fma(p, r, 8.333_452e-3);
    p = fma(p, r, 4.166_579_6e-2);
    p = fma(p, r, 1.666_666_5e-1);
    p = fma(p, r, 5.000_000_1e-1);
    let er = fma(p, r * r, r) + 1.0;
    // n ∈ [-126, 128] and 2^128 overflows the exponent: scale in two steps.
    let half = n_int >> 1;
    let two_half = f32::from_bits(((half + 127) as u32) << 23);
    let two_rest = f32::from_bits(((n_int - half + 127) as u32) << 23);
    let y = er * two_half * two_rest;
    if x < LOWEST {
        0.0
    } else if x > HIGHEST {
        f32::INFINITY
    } else {
        // NaN fails both comparisons and propagates from `clamped`.
        y
    }
}

/// `a · b + c`, fused where the target has FMA; without it `mul_add` is a
/// library call per element, far slower than rounding twice.
#[inline(always)]
fn fma(a: f32, b: f32, c: f32) -> f32 {
    if cfg!(target_feature = "fma") {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// `a · b` over their common length.
///
/// The generic dot product (`vec_dot_f32`, 16 running sums) compiles for
/// `f32` to two-float vector pieces and an in-order sum of the lanes, a long
/// chain for the 64 elements of a head; decoding runs one per cached token
/// and head. With AVX2 and FMA (kefu builds for x86-64-v3) this is two
/// 8-wide fused accumulators and a short tree at the end.
#[inline(always)]
pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    {
        use std::arch::x86_64::*;
        // Safety: the target has AVX2 and FMA; loads stay below `n`.
        unsafe {
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            let mut acc = [_mm256_setzero_ps(); 2];
            let mut i = 0;
            while i + 16 <= n {
                for (k, acc) in acc.iter_mut().enumerate() {
                    let (x, y) = (pa.add(i + 8 * k), pb.add(i + 8 * k));
                    *acc = _mm256_fmadd_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(y), *acc);
                }
                i += 16;
            }
            if i + 8 <= n {
                let (x, y) = (_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)));
                acc[0] = _mm256_fmadd_ps(x, y, acc[0]);
                i += 8;
            }
            let v = _mm256_add_ps(acc[0], acc[1]);
            let v = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
            let v = _mm_add_ps(v, _mm_movehl_ps(v, v));
            let v = _mm_add_ss(v, _mm_movehdup_ps(v));
            let mut sum = _mm_cvtss_f32(v);
            for j in i..n {
                sum += a[j] * b[j];
            }
            sum
        }
    }
    #[cfg(not(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    )))]
    {
        crate::attention::backends::cpu::vec_dot_f32(&a[..n], &b[..n])
    }
}

/// `xs[i] = e^(xs[i] - shift)`, returning the sum of the results.
#[inline]
pub fn exp_shifted_sum(xs: &mut [f32], shift: f32) -> f32 {
    for x in xs.iter_mut() {
        *x = exp(*x - shift);
    }
    // Sixteen running sums keep the additions independent (vectorizable).
    let mut sums = [0f32; 16];
    let mut chunks = xs.chunks_exact(16);
    for chunk in &mut chunks {
        for (s, x) in sums.iter_mut().zip(chunk) {
            *s += x;
        }
    }
    chunks.remainder().iter().sum::<f32>() + sums.iter().sum::<f32>()
}

/// An element type the CPU kernels read and write as `f32`.
pub trait F32Elem: WithDType + Copy + Send + Sync {
    /// Widens to `f32` (exact for all three types).
    fn to_f32(self) -> f32;
    /// Narrows from `f32`, rounding to nearest even.
    fn from_f32(x: f32) -> Self;
}

impl F32Elem for f32 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self
    }
    #[inline(always)]
    fn from_f32(x: f32) -> Self {
        x
    }
}

impl F32Elem for f16 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        f16::to_f32(self)
    }
    #[inline(always)]
    fn from_f32(x: f32) -> Self {
        f16::from_f32(x)
    }
}

impl F32Elem for bf16 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        // A bf16 is the top half of an f32.
        f32::from_bits(u32::from(self.to_bits()) << 16)
    }
    #[inline(always)]
    fn from_f32(x: f32) -> Self {
        // Round to nearest even on the dropped half, as `half` does, but
        // as selects instead of branches so that loops vectorize.
        let bits = x.to_bits();
        let rounded = bits.wrapping_add(0x7fff + ((bits >> 16) & 1)) >> 16;
        let is_nan = bits & 0x7fff_ffff > 0x7f80_0000;
        let quiet_nan = (bits >> 16) | 0x40;
        bf16::from_bits(if is_nan { quiet_nan } else { rounded } as u16)
    }
}

/// Elements per parallel task in [`silu_mul`]; smaller inputs (a decoding
/// step's 1–2k values) run on the calling thread.
const SILU_CHUNK: usize = 16 * 1024;

/// `silu(a) · b` element by element, for contiguous CPU tensors of one
/// dtype (F32, F16 or BF16); `None` when the inputs are anything else, for
/// the caller's general path.
pub fn silu_mul(a: &Tensor, b: &Tensor) -> Result<Option<Tensor>> {
    if !a.device().is_cpu() || a.shape() != b.shape() || a.dtype() != b.dtype() {
        return Ok(None);
    }
    match a.dtype() {
        DType::F32 => silu_mul_typed::<f32>(a, b),
        DType::F16 => silu_mul_typed::<f16>(a, b),
        DType::BF16 => silu_mul_typed::<bf16>(a, b),
        _ => Ok(None),
    }
}

fn silu_mul_typed<T: F32Elem>(a: &Tensor, b: &Tensor) -> Result<Option<Tensor>> {
    let (a_guard, a_layout) = a.storage_and_layout();
    let (b_guard, b_layout) = b.storage_and_layout();
    let (Storage::Cpu(a_cpu), Storage::Cpu(b_cpu)) = (&*a_guard, &*b_guard) else {
        return Ok(None);
    };
    // Rows rather than one run: the gate and up halves of a fused
    // projection's output (see `models::fused_projections`) are columns of
    // one matrix.
    let (Some((a0, rows, cols, a_step)), Some((b0, _, _, b_step))) =
        (strided_rows(a_layout), strided_rows(b_layout))
    else {
        return Ok(None);
    };
    let (xs, ys) = (&a_cpu.as_slice::<T>()?[a0..], &b_cpu.as_slice::<T>()?[b0..]);
    let mut out = vec![T::from_f32(0.0); rows * cols];
    let run = |out: &mut [T], xs: &[T], ys: &[T]| {
        for ((o, x), y) in out.iter_mut().zip(xs).zip(ys) {
            let x = x.to_f32();
            *o = T::from_f32(x / (1.0 + exp(-x)) * y.to_f32());
        }
    };
    let row = |r: usize, out: &mut [T]| {
        run(out, &xs[r * a_step..][..cols], &ys[r * b_step..][..cols]);
    };
    if a_step == cols && b_step == cols && out.len() <= SILU_CHUNK {
        run(&mut out, &xs[..rows * cols], &ys[..rows * cols]);
    } else if a_step == cols && b_step == cols {
        out.par_chunks_mut(SILU_CHUNK)
            .zip(xs[..rows * cols].par_chunks(SILU_CHUNK))
            .zip(ys[..rows * cols].par_chunks(SILU_CHUNK))
            .for_each(|((out, xs), ys)| run(out, xs, ys));
    } else if out.len() <= SILU_CHUNK {
        out.chunks_mut(cols)
            .enumerate()
            .for_each(|(r, out)| row(r, out));
    } else {
        out.par_chunks_mut(cols)
            .enumerate()
            .for_each(|(r, out)| row(r, out));
    }
    drop((a_guard, b_guard));
    Tensor::from_vec(out, a.shape(), &Device::Cpu).map(Some)
}

/// `layout` as `rows` runs of `cols` elements, `step` apart: (start, rows,
/// cols, step). `None` where the last dimension is not contiguous or the
/// others do not step by whole rows.
fn strided_rows(layout: &candle_core::Layout) -> Option<(usize, usize, usize, usize)> {
    let (dims, strides) = (layout.dims(), layout.stride());
    let (&cols, outer) = dims.split_last()?;
    if cols > 1 && strides[outer.len()] != 1 {
        return None;
    }
    let (mut step, mut next) = (None, None);
    for (&dim, &stride) in outer.iter().zip(strides).rev().filter(|(&d, _)| d > 1) {
        match next {
            Some(expected) if stride != expected => return None,
            Some(_) => {}
            None => step = Some(stride),
        }
        next = Some(stride * dim);
    }
    Some((
        layout.start_offset(),
        outer.iter().product(),
        cols,
        step.unwrap_or(cols),
    ))
}

/// Elements per parallel task in [`rope`]; a decoding step's few hundred
/// values run on the calling thread.
const ROPE_PARALLEL_FROM: usize = 32 * 1024;

/// Rotary position embedding of `xs` (batch, head, position, dim; contiguous)
/// by `cos`/`sin` (position, dim / 2), as candle-nn's `rope_i`
/// (`interleaved`: pairs (2i, 2i + 1)) or `rope` (pairs (i, i + dim / 2)),
/// computed in `f32` and rounded once. `None` when the inputs are anything
/// else (GPU, other dtypes or layouts), for the caller's general path.
///
/// candle-nn's CPU kernels compute in the tensor's dtype, so for BF16 every
/// multiply and add converted both ways with `half`'s branches: 7% of a
/// prompt's CPU time.
pub fn rope(xs: &Tensor, cos: &Tensor, sin: &Tensor, interleaved: bool) -> Result<Option<Tensor>> {
    rope_at(xs, cos, sin, &[0], interleaved)
}

/// [`rope`] with each batch entry at its own place in the tables: entry `b`
/// takes rows `offsets[b]..` of `cos`/`sin` (one offset serves them all).
/// A decoding step of several conversations, each at its own position, is
/// one call instead of a narrow, a copy and a rotation per conversation and
/// a concatenation (a twelfth of such a step's time at eight).
pub fn rope_at(
    xs: &Tensor,
    cos: &Tensor,
    sin: &Tensor,
    offsets: &[usize],
    interleaved: bool,
) -> Result<Option<Tensor>> {
    if !xs.device().is_cpu() || xs.dtype() != cos.dtype() || xs.dtype() != sin.dtype() {
        return Ok(None);
    }
    match xs.dtype() {
        DType::F32 => rope_typed::<f32>(xs, cos, sin, offsets, interleaved),
        DType::F16 => rope_typed::<f16>(xs, cos, sin, offsets, interleaved),
        DType::BF16 => rope_typed::<bf16>(xs, cos, sin, offsets, interleaved),
        _ => Ok(None),
    }
}

fn rope_typed<T: F32Elem>(
    xs: &Tensor,
    cos: &Tensor,
    sin: &Tensor,
    offsets: &[usize],
    interleaved: bool,
) -> Result<Option<Tensor>> {
    let Ok((b, h, t, d)) = xs.dims4() else {
        return Ok(None);
    };
    let (Ok((t_cs, half_d)), Ok(sin_dims)) = (cos.dims2(), sin.dims2()) else {
        return Ok(None);
    };
    if d % 2 != 0 || half_d * 2 != d || sin_dims != (t_cs, half_d) {
        return Ok(None);
    }
    // Where each batch entry's rows of the tables start.
    let offset = |batch: usize| offsets[if offsets.len() == 1 { 0 } else { batch }];
    if (offsets.len() != 1 && offsets.len() != b) || (0..b).any(|i| offset(i) + t > t_cs) {
        return Ok(None);
    }
    let (x_guard, x_layout) = xs.storage_and_layout();
    let (c_guard, c_layout) = cos.storage_and_layout();
    let (s_guard, s_layout) = sin.storage_and_layout();
    let (Storage::Cpu(x_cpu), Storage::Cpu(c_cpu), Storage::Cpu(s_cpu)) =
        (&*x_guard, &*c_guard, &*s_guard)
    else {
        return Ok(None);
    };
    let (Some((x0, x1)), Some((c0, _)), Some((s0, _))) = (
        x_layout.contiguous_offsets(),
        c_layout.contiguous_offsets(),
        s_layout.contiguous_offsets(),
    ) else {
        return Ok(None);
    };
    if x0 == x1 {
        return Ok(None);
    }
    let src = &x_cpu.as_slice::<T>()?[x0..x1];
    let cos = &c_cpu.as_slice::<T>()?[c0..c0 + t_cs * half_d];
    let sin = &s_cpu.as_slice::<T>()?[s0..s0 + t_cs * half_d];
    let mut out = vec![T::from_f32(0.0); src.len()];
    // One (batch, head), the `i`th: t rows of d values.
    let run = |i: usize, out: &mut [T], src: &[T]| {
        let at = offset(i / h) * half_d;
        let (cos, sin) = (&cos[at..at + t * half_d], &sin[at..at + t * half_d]);
        let rows = out
            .chunks_exact_mut(d)
            .zip(src.chunks_exact(d))
            .zip(cos.chunks_exact(half_d).zip(sin.chunks_exact(half_d)));
        for ((out, x), (cos, sin)) in rows {
            if interleaved {
                let pairs = out.chunks_exact_mut(2).zip(x.chunks_exact(2));
                for ((o, x), (c, s)) in pairs.zip(cos.iter().zip(sin)) {
                    let (x0, x1, c, s) = (x[0].to_f32(), x[1].to_f32(), c.to_f32(), s.to_f32());
                    o[0] = T::from_f32(x0 * c - x1 * s);
                    o[1] = T::from_f32(x0 * s + x1 * c);
                }
            } else {
                let (o_lo, o_hi) = out.split_at_mut(half_d);
                let (x_lo, x_hi) = x.split_at(half_d);
                for i in 0..half_d {
                    let (x0, x1) = (x_lo[i].to_f32(), x_hi[i].to_f32());
                    let (c, s) = (cos[i].to_f32(), sin[i].to_f32());
                    o_lo[i] = T::from_f32(x0 * c - x1 * s);
                    o_hi[i] = T::from_f32(x0 * s + x1 * c);
                }
            }
        }
    };
    if out.len() < ROPE_PARALLEL_FROM {
        for (i, (out, src)) in out
            .chunks_exact_mut(t * d)
            .zip(src.chunks_exact(t * d))
            .enumerate()
        {
            run(i, out, src);
        }
    } else {
        out.par_chunks_exact_mut(t * d)
            .zip(src.par_chunks_exact(t * d))
            .enumerate()
            .for_each(|(i, (out, src))| run(i, out, src));
    }
    drop((x_guard, c_guard, s_guard));
    Tensor::from_vec(out, (b, h, t, d), &Device::Cpu).map(Some)
}

// kefu's tests/cpu_math.rs checks these through the public API; this one
// needs `half`, which kefu does not depend on.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bf16_rounds_as_half_does() {
        for bits in (0..=u32::MAX).step_by(65_519) {
            let x = f32::from_bits(bits);
            let (got, want) = (<bf16 as F32Elem>::from_f32(x), bf16::from_f32(x));
            if x.is_nan() {
                assert!(got.is_nan());
            } else {
                assert_eq!(got.to_bits(), want.to_bits(), "{x:e}");
            }
        }
    }
}
