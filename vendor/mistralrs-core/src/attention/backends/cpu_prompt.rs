//! kefu: CPU attention for a prompt (more than one query row), as two
//! matrix products per head and block of query rows.
//!
//! Upstream walked the keys one query row at a time: a dot product and a
//! horizontal sum per (query, key) pair, `expf` per score and an axpy per
//! value row, ~36% of a prompt's CPU time. Here a block of query rows meets
//! all its visible keys in one `gemm` (scores), the softmax runs over whole
//! rows with a vectorized exponential, and a second `gemm` weighs the
//! values. Keys and values are widened to `f32` once per call, not once per
//! query row.

use super::cpu::{MaskInfo, UpcastF32};
use crate::cpu_math::{exp_shifted_sum, F32Elem};
use candle_core::{Device, Result, Tensor};
use gemm::{gemm, Parallelism};
use rayon::prelude::*;

/// Query rows per task. Big enough that `gemm` runs near its peak, small
/// enough that a prompt gives both threads a few tasks per head.
const QUERY_BLOCK: usize = 32;

/// Shapes and strides of one attention call; tensors laid out
/// (batch, position, head, dim) with contiguous rows.
pub(super) struct Shapes<'a> {
    pub q_shape: &'a [usize],
    pub k_shape: &'a [usize],
    pub q_stride: &'a [usize],
    pub k_stride: &'a [usize],
    pub v_stride: &'a [usize],
    pub v_heads: usize,
    pub dv: usize,
}

/// Softmax(q·kᵀ·scale + slope·mask)·v, out laid out (batch, head, query, dv).
#[allow(clippy::too_many_arguments)]
pub(super) fn prompt_attention<T>(
    q_data: &[T],
    k_data: &[T],
    v_data: &[T],
    mask: Option<&MaskInfo<'_>>,
    shapes: Shapes<'_>,
    scale: f32,
    max_bias: f32,
    logit_softcap: f32,
) -> Result<Tensor>
where
    T: F32Elem + UpcastF32,
{
    let Shapes {
        q_shape,
        k_shape,
        q_stride,
        k_stride,
        v_stride,
        v_heads,
        dv,
    } = shapes;
    let (b, q_len, h, d) = (q_shape[0], q_shape[1], q_shape[2], q_shape[3]);
    let (kv_len, k_heads) = (k_shape[1], k_shape[2]);
    let (rk, rv) = (h / k_heads, h / v_heads);
    let n2 = 2_usize.pow((h as f32).log2().ceil() as u32);

    // Keys and values in f32, one contiguous (kv_len, dim) matrix per
    // (batch, head).
    let widen = |data: &[T], stride: &[usize], heads: usize, width: usize| {
        let mut out = vec![0f32; b * heads * kv_len * width];
        out.par_chunks_mut(kv_len * width)
            .enumerate()
            .for_each(|(bh, matrix)| {
                let (b_i, h_i) = (bh / heads, bh % heads);
                for (pos, row) in matrix.chunks_exact_mut(width).enumerate() {
                    let at = b_i * stride[0] + pos * stride[1] + h_i * stride[2];
                    for (o, x) in row.iter_mut().zip(&data[at..at + width]) {
                        *o = UpcastF32::to_f32(*x);
                    }
                }
            });
        out
    };
    let keys = widen(k_data, k_stride, k_heads, d);
    let values = widen(v_data, v_stride, v_heads, dv);

    let mut scale = scale;
    if logit_softcap != 0.0 {
        scale /= logit_softcap;
    }
    let mut out = vec![T::from_f32(0.0); b * h * q_len * dv];
    out.par_chunks_mut(q_len * dv)
        .enumerate()
        .for_each(|(bh, head_out)| {
            let (b_i, h_i) = (bh / h, bh % h);
            let slope = if max_bias > 0.0 {
                2.0f32.powf(-max_bias * ((h_i + 1) as f32) / n2 as f32)
            } else {
                1.0
            };
            let keys = &keys[(b_i * k_heads + h_i / rk) * kv_len * d..][..kv_len * d];
            let values = &values[(b_i * v_heads + h_i / rv) * kv_len * dv..][..kv_len * dv];
            head_out
                .par_chunks_mut(QUERY_BLOCK * dv)
                .enumerate()
                .for_each(|(block, out)| {
                    let first = block * QUERY_BLOCK;
                    let rows = out.len() / dv;
                    let mut queries = vec![0f32; rows * d];
                    for (r, row) in queries.chunks_exact_mut(d).enumerate() {
                        let at = b_i * q_stride[0] + (first + r) * q_stride[1] + h_i * q_stride[2];
                        for (o, x) in row.iter_mut().zip(&q_data[at..at + d]) {
                            *o = UpcastF32::to_f32(*x);
                        }
                    }
                    let block = Block {
                        b_i,
                        h_i,
                        first,
                        rows,
                        d,
                        dv,
                        kv_len,
                    };
                    block.attend(
                        &queries,
                        keys,
                        values,
                        mask,
                        scale,
                        slope,
                        logit_softcap,
                        out,
                    );
                });
        });
    Tensor::from_vec(out, (b, h, q_len, dv), &Device::Cpu)
}

/// One task: `rows` query rows from `first` of head `h_i` in batch `b_i`.
struct Block {
    b_i: usize,
    h_i: usize,
    first: usize,
    rows: usize,
    d: usize,
    dv: usize,
    kv_len: usize,
}

impl Block {
    /// For each row, the keys `0..end` past which its mask hides every key
    /// (all keys without a mask, or with one that is not a row per query).
    fn visible_keys(&self, mask: Option<&MaskInfo<'_>>) -> Vec<usize> {
        (0..self.rows)
            .map(|r| {
                let row = mask.and_then(|m| m.row(self.b_i, self.h_i, self.first + r, self.kv_len));
                match (mask, row) {
                    (None, _) | (Some(_), None) => self.kv_len,
                    (Some(_), Some(row)) => row
                        .iter()
                        .rposition(|&m| m != f32::NEG_INFINITY)
                        .map_or(0, |i| i + 1),
                }
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn attend<T: F32Elem>(
        &self,
        queries: &[f32],
        keys: &[f32],
        values: &[f32],
        mask: Option<&MaskInfo<'_>>,
        scale: f32,
        slope: f32,
        logit_softcap: f32,
        out: &mut [T],
    ) {
        let (rows, d, dv) = (self.rows, self.d, self.dv);
        let row_ends = self.visible_keys(mask);
        let end = row_ends.iter().copied().max().unwrap_or(0);
        if end == 0 {
            // Every key masked: upstream divided 0 by 0; zeros say "nothing
            // to attend to" without spreading NaN.
            out.fill(T::from_f32(0.0));
            return;
        }
        let mut scores = vec![0f32; rows * end];
        // scores (rows × end) = scale · queries (rows × d) · keysᵀ (d × end)
        // Safety: every pointer and stride describes memory inside the
        // slices above, sized rows·end, rows·d and end·d.
        unsafe {
            gemm(
                rows,
                end,
                d,
                scores.as_mut_ptr(),
                1,
                end as isize,
                false,
                queries.as_ptr(),
                1,
                d as isize,
                keys.as_ptr(),
                d as isize,
                1,
                0.0,
                scale,
                false,
                false,
                false,
                Parallelism::None,
            );
        }
        let mut sums = vec![0f32; rows];
        for (r, row) in scores.chunks_exact_mut(end).enumerate() {
            if logit_softcap != 0.0 {
                for s in row.iter_mut() {
                    *s = logit_softcap * s.tanh();
                }
            }
            if let Some(mask) = mask {
                let q_pos = self.first + r;
                match mask.row(self.b_i, self.h_i, q_pos, self.kv_len) {
                    Some(m) => {
                        for (s, m) in row.iter_mut().zip(&m[..end]) {
                            *s += slope * m;
                        }
                    }
                    None => {
                        for (kv_pos, s) in row.iter_mut().enumerate() {
                            *s += slope * mask.value(self.b_i, self.h_i, q_pos, kv_pos);
                        }
                    }
                }
            }
            // Each row's softmax runs over its own visible keys only, so a
            // row's result does not depend on the block it falls in (with a
            // prefix cache, the same row comes in different blocks).
            let (row, hidden) = row.split_at_mut(row_ends[r]);
            hidden.fill(0.0);
            let max = row.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
            sums[r] = if max == f32::NEG_INFINITY {
                row.fill(0.0);
                0.0
            } else {
                exp_shifted_sum(row, max)
            };
        }
        let mut weighted = vec![0f32; rows * dv];
        // weighted (rows × dv) = weights (rows × end) · values (end × dv)
        // Safety: as above; values holds at least end·dv floats.
        unsafe {
            gemm(
                rows,
                dv,
                end,
                weighted.as_mut_ptr(),
                1,
                dv as isize,
                false,
                scores.as_ptr(),
                1,
                end as isize,
                values.as_ptr(),
                1,
                dv as isize,
                0.0,
                1.0,
                false,
                false,
                false,
                Parallelism::None,
            );
        }
        for ((out, row), sum) in out
            .chunks_exact_mut(dv)
            .zip(weighted.chunks_exact(dv))
            .zip(sums)
        {
            let inv = if sum > 0.0 { 1.0 / sum } else { 0.0 };
            for (o, x) in out.iter_mut().zip(row) {
                *o = T::from_f32(x * inv);
            }
        }
    }
}
