//! kefu's addition to candle-core: Q8_0 weights repacked for the CPU matmul.
//!
//! Upstream's `k_quants::matmul` computes every output with its own
//! `vec_dot` (one weight row against one activation row, then a horizontal
//! sum), quantizes the activations on one thread, and starts a parallel loop
//! per activation row. A prompt of 300 tokens therefore costs 300 times one
//! token: no weight is reused while it sits in cache.
//!
//! Here the weights are stored eight rows at a time, interleaved four bytes
//! per row (llama.cpp calls this layout "8x4"), so that one 256-bit vector
//! holds four weights of each of eight output columns. One broadcast of four
//! activation bytes then feeds eight columns at once, each 32-bit lane
//! accumulating its own column, so no horizontal sums are needed; each
//! weight vector is reused for up to four activation rows; and one parallel
//! loop over column groups covers all rows. Integer products use AVX-512 VNNI
//! (`vpdpbusd`) where the CPU has it and AVX2 otherwise; the result equals
//! upstream's up to float rounding. CPUs without AVX2 (and other
//! architectures) keep upstream's path: `repack` declines. `KEFU_Q8_0_KERNEL`
//! chooses by hand: `avx2` (skip VNNI) or `upstream` (no repacking).

use super::k_quants::{BlockQ8_0, GgmlType, QK8_0};
use super::{GgmlDType, QTensor, QuantizedType};
use crate::{CpuStorage, Result};
use half::f16;
use std::borrow::Cow;

/// Weight rows interleaved in one repacked block (output columns per vector).
const LANES: usize = 8;
/// Activation rows that share one pass over a weight block.
const TILE_ROWS: usize = 4;
/// Bytes of weights every row tile passes over before the next ones: a
/// share of L2 cache (512 KB to 2 MB per core on current x86 servers).
const CACHED_WEIGHTS: usize = 256 * 1024;

/// One k-block (32 elements) of eight weight rows: bytes 4c..4c+4 of row r
/// at 32c + 4r, then the eight scales as f32, then for each row −128 times
/// the sum of its 32 weights (see `ActBlock`).
#[repr(C, align(32))]
#[derive(Clone, Copy)]
struct Block8 {
    qs: [i8; QK8_0 * LANES],
    d: [f32; LANES],
    offsets: [i32; LANES],
}

/// One k-block of one activation row, quantized as ggml's Q8_0. Where the
/// kernel multiplies unsigned by signed bytes (`vpdpbusd`), each byte is
/// stored plus 128 (sign bit flipped): then Σ (a + 128)·w = Σ a·w + 128·Σ w,
/// and the block's `offsets` take the second term back off. That spares the
/// kernel moving each weight's sign onto the activation, once per row.
#[repr(C)]
#[derive(Clone, Copy)]
struct ActBlock {
    qs: [i8; QK8_0],
    d: f32,
}

/// A Q8_0 weight matrix of `n` rows by `k` columns in eight-row groups.
pub struct RepackedQ8_0 {
    n: usize,
    k: usize,
    blocks: Vec<Block8>,
}

/// Replaces the storage of a CPU Q8_0 matrix with the repacked layout when
/// this CPU can use it; otherwise returns the tensor unchanged.
pub fn repack(qtensor: std::sync::Arc<QTensor>) -> Result<std::sync::Arc<QTensor>> {
    let super::QStorage::Cpu(storage) = &qtensor.storage else {
        return Ok(qtensor);
    };
    let Ok((n, k)) = qtensor.shape.dims2() else {
        return Ok(qtensor);
    };
    if storage.dtype() != GgmlDType::Q8_0 || storage.is_repacked() || !usable(n, k) {
        return Ok(qtensor);
    }
    // A GGUF-layout storage lends its bytes; anything else is left alone.
    let Cow::Borrowed(data) = storage.data() else {
        return Ok(qtensor);
    };
    let repacked = RepackedQ8_0::new(super::as_t_slice::<BlockQ8_0>(Cow::Borrowed(data)), n, k);
    let storage = super::QStorage::Cpu(Box::new(repacked));
    Ok(std::sync::Arc::new(QTensor::new(storage, (n, k))?))
}

/// The kernel Q8_0 matrices multiply with on this CPU: `avx512-vnni`,
/// `avx2`, or `upstream` (candle's own, where no kernel fits the CPU or
/// `KEFU_Q8_0_KERNEL=upstream` is set; `KEFU_Q8_0_KERNEL=avx2` skips VNNI).
pub fn kernel() -> &'static str {
    kernel::name()
}

/// Whether an `n` × `k` matrix can be repacked on this CPU.
fn usable(n: usize, k: usize) -> bool {
    n.is_multiple_of(LANES) && k.is_multiple_of(QK8_0) && kernel::available()
}

impl RepackedQ8_0 {
    fn new(src: &[BlockQ8_0], n: usize, k: usize) -> Self {
        use rayon::prelude::*;
        let kb = k / QK8_0;
        let empty = Block8 {
            qs: [0; QK8_0 * LANES],
            d: [0.0; LANES],
            offsets: [0; LANES],
        };
        let mut blocks = vec![empty; n / LANES * kb];
        // In parallel: a model's weights are repacked while it loads.
        blocks
            .par_chunks_mut(kb)
            .zip(src.par_chunks(LANES * kb))
            .for_each(|(group, rows)| {
                for (b, out) in group.iter_mut().enumerate() {
                    for r in 0..LANES {
                        let src = &rows[r * kb + b];
                        out.d[r] = src.d.to_f32();
                        out.offsets[r] = -128 * src.qs.iter().map(|&q| q as i32).sum::<i32>();
                        for c in 0..QK8_0 / 4 {
                            let at = (c * LANES + r) * 4;
                            out.qs[at..at + 4].copy_from_slice(&src.qs[c * 4..c * 4 + 4]);
                        }
                    }
                }
            });
        Self { n, k, blocks }
    }

    /// The GGUF layout back: n rows of k/32 Q8_0 blocks.
    fn unpack(&self) -> Vec<BlockQ8_0> {
        let kb = self.k / QK8_0;
        let mut out = vec![BlockQ8_0::zeros(); self.n * kb];
        for (i, block) in self.blocks.iter().enumerate() {
            let (group, b) = (i / kb, i % kb);
            for r in 0..LANES {
                let dst = &mut out[(group * LANES + r) * kb + b];
                dst.d = f16::from_f32(block.d[r]);
                for c in 0..QK8_0 / 4 {
                    let at = (c * LANES + r) * 4;
                    dst.qs[c * 4..c * 4 + 4].copy_from_slice(&block.qs[at..at + 4]);
                }
            }
        }
        out
    }

    /// dst (m × n) = lhs (m × k) · selfᵀ.
    fn matmul(&self, m: usize, lhs: &[f32], dst: &mut [f32]) {
        use rayon::prelude::*;
        let (n, kb) = (self.n, self.k / QK8_0);
        // On a rayon worker (kefu's mistral.rs engine is one) splitting costs
        // little: the caller works in the loop instead of sleeping on it.
        let inline = m * n * self.k < inline_macs() && rayon::current_thread_index().is_none();
        let mut acts = vec![
            ActBlock {
                qs: [0; QK8_0],
                d: 0.0
            };
            m * kb
        ];
        let unsigned = kernel::unsigned_acts();
        if inline || m < 16 {
            for (out, row) in acts.chunks_mut(kb).zip(lhs.chunks(self.k)) {
                quantize_row(row, out, unsigned);
            }
        } else {
            acts.par_chunks_mut(kb)
                .zip(lhs.par_chunks(self.k))
                .for_each(|(out, row)| quantize_row(row, out, unsigned));
        }
        let groups = n / LANES;
        // Whole multiples of 12: the kernels take 2, 3 or 4 groups at once.
        let cached_groups =
            (CACHED_WEIGHTS / (kb * std::mem::size_of::<Block8>()) / 12 * 12).max(12);
        let dst = SharedDst(dst.as_mut_ptr());
        let run = |groups: std::ops::Range<usize>| {
            let dst = &dst;
            // All row tiles over a few groups before the next few: their
            // weights stay in L2 cache while the rows pass over them. (The
            // vocabulary matrix would otherwise come from memory once per
            // four tokens of a batch.)
            for first in groups.clone().step_by(cached_groups) {
                let last = (first + cached_groups).min(groups.end);
                let weights = &self.blocks[first * kb..last * kb];
                // The last row tile asks for the next run's weights while it
                // works, so that memory keeps streaming: with several row
                // tiles, the last one found the weights in cache and the
                // memory idled through it (a batch of eight took a third
                // longer).
                let next = &self.blocks[last * kb..(2 * last - first).min(groups.end) * kb];
                for row in (0..m).step_by(TILE_ROWS) {
                    let rows = (m - row).min(TILE_ROWS);
                    let acts = &acts[row * kb..(row + rows) * kb];
                    let ahead = if row + rows == m { next } else { &[] };
                    // Safety: `dst` holds m × n floats; a task writes only
                    // the columns of its own groups.
                    let out = unsafe { dst.0.add(row * n + first * LANES) };
                    unsafe { kernel::tile(weights, acts, rows, kb, out, n, ahead) };
                }
            }
        };
        if inline {
            // Waking the thread pool costs more than the work.
            return run(0..groups);
        }
        // A few tasks per thread keeps the threads busy to the end.
        // Whole multiples of four groups: the kernel takes up to four at once.
        let per_task = groups
            .div_ceil(rayon::current_num_threads() * 4)
            .next_multiple_of(4);
        (0..groups.div_ceil(per_task))
            .into_par_iter()
            .for_each(|task| run(task * per_task..((task + 1) * per_task).min(groups)));
    }
}

/// Products (m × n × k) below which a matmul called from outside rayon's
/// pool runs on the calling thread: a decoding step's small matrices finish
/// sooner than rayon wakes its threads and puts the caller to sleep.
/// `KEFU_Q8_0_INLINE_MACS` overrides the default (0: always parallel).
fn inline_macs() -> usize {
    static MACS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *MACS.get_or_init(|| {
        std::env::var("KEFU_Q8_0_INLINE_MACS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1 << 20)
    })
}

/// The output buffer, written by the tasks at disjoint columns.
struct SharedDst(*mut f32);
// Safety: see `RepackedQ8_0::matmul`; tasks never write the same element.
unsafe impl Sync for SharedDst {}

/// Q8_0 quantization as ggml's `quantize_row_q8_0` (scale rounded via f16);
/// `unsigned` stores each byte plus 128 (see `ActBlock`).
fn quantize_row(xs: &[f32], out: &mut [ActBlock], unsigned: bool) {
    let flip = if unsigned { i8::MIN } else { 0 };
    for (xs, block) in xs.chunks_exact(QK8_0).zip(out.iter_mut()) {
        // Eight running maxima, so that the loop vectorizes.
        let mut lanes = [0f32; 8];
        for chunk in xs.chunks_exact(8) {
            for (m, x) in lanes.iter_mut().zip(chunk) {
                *m = m.max(x.abs());
            }
        }
        let amax = lanes.iter().fold(0f32, |m, &x| m.max(x));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        block.d = f16::from_f32(d).to_f32();
        for (q, x) in block.qs.iter_mut().zip(xs) {
            *q = small_int_to_i8(round_half_away(x * id)) ^ flip;
        }
    }
}

/// `x.round()` (halves away from zero, as C's `roundf`) in operations that
/// vectorize: `round` itself is a library call per element, which made
/// quantizing the activations 7% of a prompt's CPU time.
#[inline(always)]
fn round_half_away(x: f32) -> f32 {
    let t = x.trunc();
    // x - t is exact, so the comparison decides as `round` does.
    if (x - t).abs() >= 0.5 {
        t + 1f32.copysign(x)
    } else {
        t
    }
}

/// An integer-valued float in [-128, 127] as `i8`. Rust's saturating `as`
/// compiles to a conversion and two compares per element, which keep the
/// loop scalar; adding 1.5 · 2^23 leaves the integer in the low mantissa
/// bits instead (two's complement in the low byte). NaN gives an
/// unspecified value, as in upstream's SIMD paths.
#[inline(always)]
fn small_int_to_i8(x: f32) -> i8 {
    (x + 12_582_912.0).to_bits() as u8 as i8
}

impl QuantizedType for RepackedQ8_0 {
    fn dtype(&self) -> GgmlDType {
        GgmlDType::Q8_0
    }

    fn matmul_t(
        &self,
        (m, k, n): (usize, usize, usize),
        lhs: &[f32],
        dst: &mut [f32],
    ) -> Result<()> {
        if (k, n) != (self.k, self.n) || lhs.len() != m * k || dst.len() != m * n {
            crate::bail!(
                "repacked Q8_0 matmul: ({m}, {k}, {n}) does not fit a ({}, {}) matrix",
                self.n,
                self.k
            )
        }
        self.matmul(m, lhs, dst);
        Ok(())
    }

    fn matmul_t_f16(&self, mkn: (usize, usize, usize), lhs: &[f16], dst: &mut [f16]) -> Result<()> {
        let lhs: Vec<f32> = lhs.iter().map(|x| x.to_f32()).collect();
        let mut out = vec![0f32; dst.len()];
        self.matmul_t(mkn, &lhs, &mut out)?;
        for (d, o) in dst.iter_mut().zip(out) {
            *d = f16::from_f32(o);
        }
        Ok(())
    }

    fn dequantize(&self, elem_count: usize) -> Result<CpuStorage> {
        let mut ys = vec![0f32; elem_count];
        BlockQ8_0::to_float(&self.unpack(), &mut ys);
        Ok(CpuStorage::F32(ys))
    }

    fn storage_size_in_bytes(&self) -> usize {
        std::mem::size_of_val(self.blocks.as_slice())
    }

    fn as_ptr(&self) -> *const u8 {
        self.blocks.as_ptr() as *const u8
    }

    fn data(&self) -> Cow<'_, [u8]> {
        let blocks = self.unpack();
        let bytes = std::mem::size_of_val(blocks.as_slice());
        // Safety: BlockQ8_0 is plain old data (repr(C), no padding).
        Cow::Owned(
            unsafe { std::slice::from_raw_parts(blocks.as_ptr() as *const u8, bytes) }.to_vec(),
        )
    }

    fn is_repacked(&self) -> bool {
        true
    }

    fn block_size(&self) -> usize {
        QK8_0
    }

    fn from_float(&mut self, xs: &[f32]) {
        let mut blocks = vec![BlockQ8_0::zeros(); self.n * self.k / QK8_0];
        BlockQ8_0::from_float(xs, &mut blocks);
        *self = Self::new(&blocks, self.n, self.k);
    }

    fn from_float_imatrix(&mut self, xs: &[f32], imatrix: &[f32], n_per_row: usize) {
        let mut blocks = vec![BlockQ8_0::zeros(); self.n * self.k / QK8_0];
        BlockQ8_0::from_float_imatrix(xs, &mut blocks, imatrix, n_per_row);
        *self = Self::new(&blocks, self.n, self.k);
    }

    fn size(&self) -> usize {
        self.n * self.k / QK8_0 * std::mem::size_of::<BlockQ8_0>()
    }
}

#[cfg(target_arch = "x86_64")]
#[path = "repacked_q8_0_x86.rs"]
mod kernel;

/// Other architectures keep upstream's matmul (`available` is false).
#[cfg(not(target_arch = "x86_64"))]
mod kernel {
    pub(super) fn available() -> bool {
        false
    }
    pub(super) fn name() -> &'static str {
        "upstream"
    }
    pub(super) fn unsigned_acts() -> bool {
        false
    }
    pub(super) unsafe fn tile(
        _: &[super::Block8],
        _: &[super::ActBlock],
        _: usize,
        _: usize,
        _: *mut f32,
        _: usize,
        _: &[super::Block8],
    ) {
        unreachable!("repacking is declined where no kernel exists")
    }
}
