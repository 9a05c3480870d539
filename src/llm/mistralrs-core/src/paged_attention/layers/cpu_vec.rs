//! kefu: the vector arithmetic of one decoding step's attention (see
//! `cpu_kernels`): a key row against the query heads that share it, and a
//! value row added into their outputs. AVX2 with FMA where the build has
//! them, plain loops otherwise.

use crate::cpu_math::dot_f32;

/// `out[j] = qs[j·dim..(j + 1)·dim] · row` for each query head `j`
/// (`dim` = `row.len()`, `out.len()` heads).
#[inline]
pub(super) fn dots(qs: &[f32], row: &[f32], out: &mut [f32]) {
    let dim = row.len();
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"))]
    for (qs, out) in qs.chunks(4 * dim).zip(out.chunks_mut(4)) {
        // Safety: the target has AVX2 and FMA; `qs` holds `out.len()` rows.
        unsafe {
            match out.len() {
                4 => dots_avx2::<4>(qs, row, out),
                3 => dots_avx2::<3>(qs, row, out),
                2 => dots_avx2::<2>(qs, row, out),
                _ => dots_avx2::<1>(qs, row, out),
            }
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma")))]
    for (q, out) in qs.chunks_exact(dim).zip(out) {
        *out = dot_f32(q, row);
    }
}

/// `H` heads at once: each row vector loaded once, and the `H` sums reduced
/// together (one horizontal sum per head cost as much as its products).
#[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"))]
#[inline(always)]
unsafe fn dots_avx2<const H: usize>(qs: &[f32], row: &[f32], out: &mut [f32]) {
    use std::arch::x86_64::*;
    let dim = row.len();
    let body = dim - dim % 8;
    let mut acc = [_mm256_setzero_ps(); 4];
    for i in (0..body).step_by(8) {
        let r = _mm256_loadu_ps(row.as_ptr().add(i));
        for (h, acc) in acc.iter_mut().enumerate().take(H) {
            let q = _mm256_loadu_ps(qs.as_ptr().add(h * dim + i));
            *acc = _mm256_fmadd_ps(q, r, *acc);
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
        let q = &qs[h * dim..(h + 1) * dim];
        *out = lanes[h] + dot_f32(&q[body..], &row[body..]);
    }
}

/// `out += weight · row`.
#[inline]
pub(super) fn add_scaled(out: &mut [f32], row: &[f32], weight: f32) {
    let n = out.len().min(row.len());
    let mut done = 0;
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"))]
    // Safety: the target has AVX2 and FMA; accesses stay below `n`.
    unsafe {
        use std::arch::x86_64::*;
        let w = _mm256_set1_ps(weight);
        while done + 8 <= n {
            let at = out.as_mut_ptr().add(done);
            let r = _mm256_loadu_ps(row.as_ptr().add(done));
            _mm256_storeu_ps(at, _mm256_fmadd_ps(w, r, _mm256_loadu_ps(at)));
            done += 8;
        }
    }
    for (o, r) in out[done..n].iter_mut().zip(&row[done..n]) {
        *o += weight * r;
    }
}
