//! x86-64 kernels for `repacked_q8_0`: AVX2, and AVX-512 VNNI where present.
//!
//! Both multiply unsigned by signed bytes. The AVX2 kernel takes the
//! weights' absolute values as the unsigned operand and moves each weight's
//! sign onto the activation (`vpsignb`): its 16-bit pair sums would overflow
//! with activations offset to unsigned. The VNNI kernel sums into 32 bits,
//! so it reads activations stored plus 128 (see `ActBlock`) and multiplies
//! them with the weights as they are: one instruction per row and vector.

use super::{ActBlock, Block8, LANES, QK8_0, TILE_ROWS};
use std::arch::x86_64::*;
use std::sync::OnceLock;

/// The kernel this CPU runs.
#[derive(Clone, Copy, PartialEq)]
enum Isa {
    None,
    Avx2,
    Vnni,
}

/// The best kernel this CPU has, unless `KEFU_Q8_0_KERNEL` asks for `avx2`
/// or for `upstream` (candle's own matmul: no repacking).
fn isa() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| {
        let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
        let vnni = is_x86_feature_detected!("avx512vnni") && is_x86_feature_detected!("avx512vl");
        let wanted = std::env::var("KEFU_Q8_0_KERNEL").unwrap_or_default();
        match (wanted.as_str(), avx2, vnni) {
            ("upstream", _, _) | (_, false, _) => Isa::None,
            ("avx2", true, _) | (_, true, false) => Isa::Avx2,
            (_, true, true) => Isa::Vnni,
        }
    })
}

/// The kernel in use: `avx512-vnni`, `avx2` or `upstream`.
pub(super) fn name() -> &'static str {
    match isa() {
        Isa::Vnni => "avx512-vnni",
        Isa::Avx2 => "avx2",
        Isa::None => "upstream",
    }
}

/// Whether the kernel wants activations stored plus 128 (VNNI does).
pub(super) fn unsigned_acts() -> bool {
    isa() == Isa::Vnni
}

/// Whether this CPU has a kernel (AVX2 and FMA at least).
pub(super) fn available() -> bool {
    isa() != Isa::None
}

/// Computes `rows` (1..=4) activation rows against consecutive eight-row
/// weight groups (`weights` holds `kb` blocks per group): out[r * n + j] for
/// j in 0..8 × groups. Meanwhile asks for `ahead` in L2 cache, block for
/// block beside `weights` (it may be shorter, or empty).
///
/// # Safety
/// `available()` must be true; `acts` holds `rows` × `kb` blocks, `weights`
/// a whole number of groups of `kb` blocks, and `out` must be valid for
/// writes at r * n .. r * n + 8 × groups.
pub(super) unsafe fn tile(
    weights: &[Block8],
    acts: &[ActBlock],
    rows: usize,
    kb: usize,
    out: *mut f32,
    n: usize,
    ahead: &[Block8],
) {
    debug_assert!((1..=TILE_ROWS).contains(&rows));
    debug_assert!(weights.len().is_multiple_of(kb) && acts.len() == rows * kb);
    // Several groups at once give VNNI more independent sums than one
    // group's `rows`: each `vpdpbusd` waits for the previous one into the
    // same register, so with four sums the unit idled most of the time.
    match (isa(), rows) {
        (Isa::Vnni, 4) => groups_vnni::<4, 3>(weights, acts, kb, out, n, ahead),
        (Isa::Vnni, 3) => groups_vnni::<3, 2>(weights, acts, kb, out, n, ahead),
        (Isa::Vnni, 2) => groups_vnni::<2, 4>(weights, acts, kb, out, n, ahead),
        (Isa::Vnni, _) => groups_vnni::<1, 4>(weights, acts, kb, out, n, ahead),
        (_, 4) => groups_avx2::<4>(weights, acts, kb, out, n, ahead),
        (_, 3) => groups_avx2::<3>(weights, acts, kb, out, n, ahead),
        (_, 2) => groups_avx2::<2>(weights, acts, kb, out, n, ahead),
        (_, _) => groups_avx2::<1>(weights, acts, kb, out, n, ahead),
    }
}

/// `tile` for AVX2: one group at a time (it has 16 vector registers).
#[inline(always)]
unsafe fn groups_avx2<const R: usize>(
    weights: &[Block8],
    acts: &[ActBlock],
    kb: usize,
    out: *mut f32,
    n: usize,
    ahead: &[Block8],
) {
    for (g, group) in weights.chunks_exact(kb).enumerate() {
        let next = ahead.get(g * kb..).unwrap_or_default();
        tile_avx2::<R>(group, acts, kb, out.add(g * LANES), n, next);
    }
}

/// `tile` for VNNI: `C` groups at a time, then one at a time.
#[inline(always)]
unsafe fn groups_vnni<const R: usize, const C: usize>(
    weights: &[Block8],
    acts: &[ActBlock],
    kb: usize,
    out: *mut f32,
    n: usize,
    ahead: &[Block8],
) {
    let groups = weights.len() / kb;
    let mut g = 0;
    while g + C <= groups {
        let next = ahead.get(g * kb..).unwrap_or_default();
        tile_vnni::<R, C>(&weights[g * kb..], acts, kb, out.add(g * LANES), n, next);
        g += C;
    }
    while g < groups {
        let next = ahead.get(g * kb..).unwrap_or_default();
        tile_vnni::<R, 1>(&weights[g * kb..], acts, kb, out.add(g * LANES), n, next);
        g += 1;
    }
}

/// Four activation bytes (elements 4c..4c+4 of block `b` of row `r`),
/// broadcast to every 32-bit lane.
#[inline(always)]
unsafe fn act4(acts: &[ActBlock], kb: usize, r: usize, b: usize, c: usize) -> __m256i {
    let block = acts.get_unchecked(r * kb + b);
    let four = (block.qs.as_ptr().add(c * 4) as *const i32).read_unaligned();
    _mm256_set1_epi32(four)
}

/// Adds this block's integer sums, scaled, to the float accumulators.
#[inline(always)]
unsafe fn scale_into<const R: usize>(
    acc: &mut [__m256; R],
    sums: &[__m256i; R],
    weights: &Block8,
    acts: &[ActBlock],
    kb: usize,
    b: usize,
) {
    let wd = _mm256_load_ps(weights.d.as_ptr());
    for r in 0..R {
        let d = _mm256_mul_ps(wd, _mm256_set1_ps(acts.get_unchecked(r * kb + b).d));
        acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums[r]), d, acc[r]);
    }
}

/// Stores the accumulated rows.
#[inline(always)]
unsafe fn store<const R: usize>(acc: &[__m256; R], out: *mut f32, n: usize) {
    for (r, acc) in acc.iter().enumerate() {
        _mm256_storeu_ps(out.add(r * n), *acc);
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2<const R: usize>(
    weights: &[Block8],
    acts: &[ActBlock],
    kb: usize,
    out: *mut f32,
    n: usize,
    ahead: &[Block8],
) {
    let ones = _mm256_set1_epi16(1);
    let mut acc = [_mm256_setzero_ps(); R];
    for (b, block) in weights.iter().enumerate() {
        if let Some(next) = ahead.get(b) {
            prefetch_l2(next);
        }
        let mut sums = [_mm256_setzero_si256(); R];
        for c in 0..QK8_0 / 4 {
            let w = _mm256_load_si256(block.qs.as_ptr().add(c * 32) as *const __m256i);
            let w_abs = _mm256_abs_epi8(w);
            for (r, sum) in sums.iter_mut().enumerate() {
                let a = _mm256_sign_epi8(act4(acts, kb, r, b, c), w);
                // Pairs of byte products fit i16: |w| ≤ 128, |a| ≤ 127.
                let pairs = _mm256_maddubs_epi16(w_abs, a);
                *sum = _mm256_add_epi32(*sum, _mm256_madd_epi16(pairs, ones));
            }
        }
        scale_into(&mut acc, &sums, block, acts, kb, b);
    }
    store(&acc, out, n);
}

/// `R` rows against `C` groups (`weights` from the first group's first
/// block on; the groups lie `kb` blocks apart).
#[target_feature(enable = "avx2,fma,avx512f,avx512vnni,avx512vl")]
unsafe fn tile_vnni<const R: usize, const C: usize>(
    weights: &[Block8],
    acts: &[ActBlock],
    kb: usize,
    out: *mut f32,
    n: usize,
    ahead: &[Block8],
) {
    let mut acc = [[_mm256_setzero_ps(); R]; C];
    for b in 0..kb {
        let blocks: [&Block8; C] = std::array::from_fn(|g| weights.get_unchecked(g * kb + b));
        for g in 0..C {
            if let Some(next) = ahead.get(g * kb + b) {
                prefetch_l2(next);
            }
        }
        // Starting from the offsets leaves Σ a·w once the products are in.
        let mut sums: [[__m256i; R]; C] = std::array::from_fn(|g| {
            [_mm256_load_si256(blocks[g].offsets.as_ptr() as *const __m256i); R]
        });
        for c in 0..QK8_0 / 4 {
            let w: [__m256i; C] = std::array::from_fn(|g| {
                _mm256_load_si256(blocks[g].qs.as_ptr().add(c * 32) as *const __m256i)
            });
            for r in 0..R {
                let a = act4(acts, kb, r, b, c);
                for g in 0..C {
                    sums[g][r] = _mm256_dpbusd_epi32(sums[g][r], a, w[g]);
                }
            }
        }
        for g in 0..C {
            scale_into(&mut acc[g], &sums[g], blocks[g], acts, kb, b);
        }
    }
    for (g, acc) in acc.iter().enumerate() {
        store(acc, out.add(g * LANES), n);
    }
}

/// Asks for `block` in L2 cache (a hint: it changes no result).
#[inline(always)]
unsafe fn prefetch_l2(block: &Block8) {
    let start = block as *const Block8 as *const i8;
    for line in (0..std::mem::size_of::<Block8>()).step_by(64) {
        _mm_prefetch::<_MM_HINT_T1>(start.add(line));
    }
}
