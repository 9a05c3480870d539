//! kefu: the vector arithmetic of one decoding step's attention (see
//! `cpu_kernels`): a key row against the query heads that share it, and the
//! weighted sum of the value rows for those heads. Rows stay in the cache's
//! number type and are widened to f32 as they are loaded. AVX2 with FMA
//! where the build has them, plain loops otherwise.

use crate::cpu_math::F32Elem;

#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
))]
use std::arch::x86_64::*;

/// Whether the vector paths below are compiled in.
const VECTORS: bool = cfg!(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
));

/// A cache element that loads as eight f32 lanes.
pub(super) trait Lanes: F32Elem {
    /// Eight elements from `p`, widened.
    ///
    /// # Safety
    /// `p` points at eight readable elements; the CPU has AVX2.
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    unsafe fn load8(p: *const Self) -> __m256;
}

impl Lanes for f32 {
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    #[inline(always)]
    unsafe fn load8(p: *const Self) -> __m256 {
        _mm256_loadu_ps(p)
    }
}

impl Lanes for half::bf16 {
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    #[inline(always)]
    unsafe fn load8(p: *const Self) -> __m256 {
        // A bf16 is the top half of the f32 with the same bits.
        let wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(p as *const __m128i));
        _mm256_castsi256_ps(_mm256_slli_epi32::<16>(wide))
    }
}

impl Lanes for half::f16 {
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    #[inline(always)]
    unsafe fn load8(p: *const Self) -> __m256 {
        #[cfg(target_feature = "f16c")]
        {
            _mm256_cvtph_ps(_mm_loadu_si128(p as *const __m128i))
        }
        #[cfg(not(target_feature = "f16c"))]
        {
            let mut lanes = [0f32; 8];
            for (i, lane) in lanes.iter_mut().enumerate() {
                *lane = (*p.add(i)).to_f32();
            }
            _mm256_loadu_ps(lanes.as_ptr())
        }
    }
}

/// `out[j] = qs[j·dim..(j + 1)·dim] · key` for each query head `j`
/// (`dim` = `key.len()`, `out.len()` heads).
#[inline]
pub(super) fn key_dots<T: Lanes>(qs: &[f32], key: &[T], out: &mut [f32]) {
    let dim = key.len();
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    for (qs, out) in qs.chunks(4 * dim).zip(out.chunks_mut(4)) {
        // Safety: the target has AVX2 and FMA; `qs` holds `out.len()` rows.
        unsafe {
            match out.len() {
                4 => dots_avx2::<T, 4>(qs, key, out),
                3 => dots_avx2::<T, 3>(qs, key, out),
                2 => dots_avx2::<T, 2>(qs, key, out),
                _ => dots_avx2::<T, 1>(qs, key, out),
            }
        }
    }
    if !VECTORS {
        for (q, out) in qs.chunks_exact(dim).zip(out) {
            *out = q.iter().zip(key).map(|(q, k)| q * k.to_f32()).sum();
        }
    }
}

/// `H` heads at once: each key vector loaded and widened once, and the `H`
/// sums reduced together (one horizontal sum per head cost as much as its
/// products).
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
))]
#[inline(always)]
unsafe fn dots_avx2<T: Lanes, const H: usize>(qs: &[f32], key: &[T], out: &mut [f32]) {
    let dim = key.len();
    let body = dim - dim % 8;
    let mut acc = [_mm256_setzero_ps(); 4];
    for i in (0..body).step_by(8) {
        let k = T::load8(key.as_ptr().add(i));
        for (h, acc) in acc.iter_mut().enumerate().take(H) {
            let q = _mm256_loadu_ps(qs.as_ptr().add(h * dim + i));
            *acc = _mm256_fmadd_ps(q, k, *acc);
        }
    }
    // hadd(hadd(a, b), hadd(c, d)) holds each head's sum of a half in one
    // lane; adding the halves leaves the four sums.
    let h = _mm256_hadd_ps(
        _mm256_hadd_ps(acc[0], acc[1]),
        _mm256_hadd_ps(acc[2], acc[3]),
    );
    let sums = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    let mut lanes = [0f32; 4];
    _mm_storeu_ps(lanes.as_mut_ptr(), sums);
    for (h, out) in out.iter_mut().enumerate().take(H) {
        let tail = qs[h * dim + body..(h + 1) * dim].iter().zip(&key[body..]);
        *out = lanes[h] + tail.map(|(q, k)| q * k.to_f32()).sum::<f32>();
    }
}

/// For each head `j` (`out.len() / dim` of them), adds to
/// `out[j·dim..(j + 1)·dim]` the value rows `data[rows[t]..rows[t] + dim]`
/// weighted by `weights[j·len + t]`, `len` = `rows.len()`.
///
/// The sums stay in registers over all rows, a few heads and 32 columns at
/// a time, instead of being loaded and stored for every row (a chain
/// through memory, the hottest instructions of the attention).
pub(super) fn value_sums<T: Lanes>(
    weights: &[f32],
    data: &[T],
    rows: &[usize],
    dim: usize,
    out: &mut [f32],
) {
    let len = rows.len();
    // Columns summed in whole vectors.
    let done = if VECTORS { dim - dim % 8 } else { 0 };
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    {
        let heads = out.len() / dim;
        for first in (0..heads).step_by(3) {
            let weights = &weights[first * len..];
            let out = &mut out[first * dim..];
            // Safety: the target has AVX2 and FMA; columns stay below
            // `done` ≤ dim, heads below `heads`, rows within `data`.
            unsafe {
                match heads - first {
                    1 => head_sums::<T, 1>(weights, data, rows, dim, done, out),
                    2 => head_sums::<T, 2>(weights, data, rows, dim, done, out),
                    _ => head_sums::<T, 3>(weights, data, rows, dim, done, out),
                }
            }
        }
    }
    // Columns past the last whole vector (all of them without AVX2).
    if done < dim {
        for (j, out) in out.chunks_exact_mut(dim).enumerate() {
            for (&at, &w) in rows.iter().zip(&weights[j * len..(j + 1) * len]) {
                let row = &data[at + done..at + dim];
                for (o, x) in out[done..].iter_mut().zip(row) {
                    *o += w * x.to_f32();
                }
            }
        }
    }
}

/// The sums of `H` heads over columns `0..done` (whole vectors): 32
/// columns at a time, then eight.
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
))]
#[inline(always)]
unsafe fn head_sums<T: Lanes, const H: usize>(
    weights: &[f32],
    data: &[T],
    rows: &[usize],
    dim: usize,
    done: usize,
    out: &mut [f32],
) {
    let mut col = 0;
    while col + 32 <= done {
        sums_avx2::<T, H, 4>(weights, data, rows, dim, col, out);
        col += 32;
    }
    while col < done {
        sums_avx2::<T, H, 1>(weights, data, rows, dim, col, out);
        col += 8;
    }
}

/// `H` heads (≤ 3) × `V` vectors of eight columns from `col`: H·V ≤ 12
/// sums, H weights and one row vector fit AVX2's sixteen registers.
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
))]
#[inline(always)]
unsafe fn sums_avx2<T: Lanes, const H: usize, const V: usize>(
    weights: &[f32],
    data: &[T],
    rows: &[usize],
    dim: usize,
    col: usize,
    out: &mut [f32],
) {
    let len = rows.len();
    let mut acc = [[_mm256_setzero_ps(); V]; H];
    for (t, &at) in rows.iter().enumerate() {
        let row = data.as_ptr().add(at + col);
        let mut w = [_mm256_setzero_ps(); H];
        for (h, w) in w.iter_mut().enumerate() {
            *w = _mm256_set1_ps(*weights.get_unchecked(h * len + t));
        }
        for v in 0..V {
            let x = T::load8(row.add(8 * v));
            for h in 0..H {
                acc[h][v] = _mm256_fmadd_ps(w[h], x, acc[h][v]);
            }
        }
    }
    for (h, acc) in acc.iter().enumerate() {
        for (v, acc) in acc.iter().enumerate() {
            let at = out.as_mut_ptr().add(h * dim + col + 8 * v);
            _mm256_storeu_ps(at, _mm256_add_ps(_mm256_loadu_ps(at), *acc));
        }
    }
}
