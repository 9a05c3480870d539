//! kefu: the loops of paged attention on the CPU (see `cpu`): reading a
//! sequence's keys and values out of its blocks, and one decoding step.

use candle_core::{CpuStorage, Result, Storage, Tensor, WithDType};
use rayon::prelude::*;

use super::cpu_vec::{key_dots, value_sums, Lanes};
use crate::cpu_math::exp_shifted_sum;

/// Where the row of `offset` in `block` for kv head `head` starts in a
/// cache laid out (blocks, `heads`, `block_size`, `dim`).
#[inline]
pub(super) fn cache_row(block: usize, head: usize, offset: usize, shape: CacheShape) -> usize {
    ((block * shape.heads + head) * shape.block_size + offset) * shape.dim
}

/// The per-block shape of one layer's cache: kv heads, tokens, head size.
#[derive(Clone, Copy)]
pub(super) struct CacheShape {
    pub heads: usize,
    pub block_size: usize,
    pub dim: usize,
}

/// The first `len` keys (or values) of a sequence as one contiguous
/// (1, kv_heads, len, dim) tensor. Copies only written slots.
pub(super) fn gather(cache: &Tensor, table: &[u32], len: usize) -> Result<Tensor> {
    fn rows<T: WithDType>(data: &[T], shape: CacheShape, table: &[u32], len: usize) -> Vec<T> {
        let CacheShape {
            heads,
            block_size,
            dim,
        } = shape;
        let mut out = Vec::with_capacity(heads * len * dim);
        for h in 0..heads {
            for t in 0..len {
                let at = cache_row(table[t / block_size] as usize, h, t % block_size, shape);
                out.extend_from_slice(&data[at..at + dim]);
            }
        }
        out
    }
    let (_, heads, block_size, dim) = cache.dims4()?;
    if table.len() * block_size < len {
        candle_core::bail!(
            "paged attention: {len} tokens past a table of {}",
            table.len()
        );
    }
    let shape = CacheShape {
        heads,
        block_size,
        dim,
    };
    let out_shape = (1, heads, len, dim);
    let (guard, _) = cache.storage_and_layout();
    let Storage::Cpu(store) = &*guard else {
        candle_core::bail!("paged attention on the CPU: the cache is not in memory");
    };
    let device = cache.device();
    match store {
        CpuStorage::F32(d) => Tensor::from_vec(rows(d, shape, table, len), out_shape, device),
        CpuStorage::F16(d) => Tensor::from_vec(rows(d, shape, table, len), out_shape, device),
        CpuStorage::BF16(d) => Tensor::from_vec(rows(d, shape, table, len), out_shape, device),
        _ => candle_core::bail!(
            "paged attention on the CPU: unsupported cache dtype {:?}",
            cache.dtype()
        ),
    }
}

/// One decode step: each sequence's single query row against its context in
/// the cache.
pub(super) struct Decode<'a> {
    pub tables: &'a [Vec<u32>],
    pub lens: &'a [usize],
    pub scale: f32,
    pub softcap: Option<f32>,
}

impl Decode<'_> {
    /// `q` contiguous (batch, heads, 1, dim); returns (batch, heads, dim).
    pub fn run<T: Lanes>(
        &self,
        q: &Tensor,
        key_cache: &Tensor,
        value_cache: &Tensor,
    ) -> Result<Tensor> {
        let (batch, heads, _, dim) = q.dims4()?;
        let (_, kv_heads, block_size, cache_dim) = key_cache.dims4()?;
        if cache_dim != dim || heads % kv_heads != 0 || self.tables.len() < batch {
            candle_core::bail!(
                "paged attention: query {:?} against cache {:?}",
                q.dims(),
                key_cache.dims()
            );
        }
        // The queries scaled once here rather than every score.
        let q_data: Vec<f32> = q
            .flatten_all()?
            .to_vec1::<T>()?
            .into_iter()
            .map(|x| x.to_f32() * self.scale)
            .collect();
        let (k_guard, _) = key_cache.storage_and_layout();
        let (v_guard, _) = value_cache.storage_and_layout();
        let (Storage::Cpu(k_store), Storage::Cpu(v_store)) = (&*k_guard, &*v_guard) else {
            candle_core::bail!("paged attention on the CPU: the cache is not in memory");
        };
        let (k_data, v_data) = (k_store.as_slice::<T>()?, v_store.as_slice::<T>()?);
        let group = heads / kv_heads;
        let shape = CacheShape {
            heads: kv_heads,
            block_size,
            dim,
        };
        let mut out = vec![0f32; batch * heads * dim];
        // One task per sequence and kv head: the `group` query heads that
        // share it (adjacent in `out`) read each key and value row once.
        out.par_chunks_mut(group * dim)
            .enumerate()
            .for_each(|(bk, out)| {
                let (b, kv_h) = (bk / kv_heads, bk % kv_heads);
                let rows = row_starts(&self.tables[b], self.lens[b], kv_h, shape);
                let len = rows.len();
                if len == 0 {
                    return;
                }
                let q0 = (b * heads + kv_h * group) * dim;
                let qs = &q_data[q0..q0 + group * dim];
                // scores[j * len + t]: query head j against token t.
                let mut scores = vec![0f32; group * len];
                let mut row_scores = vec![0f32; group];
                // The weights evicted the cache since the last step, and a
                // block is a new page, where the hardware prefetcher starts
                // over: so while on a key, ask for the same slot's key in the
                // next block and for this row's value (the second pass).
                prefetch(&k_data[rows[0]..rows[0] + len.min(block_size) * dim]);
                for (t, &at) in rows.iter().enumerate() {
                    if let Some(&ahead) = rows.get(t + block_size) {
                        prefetch(&k_data[ahead..ahead + dim]);
                    }
                    prefetch(&v_data[at..at + dim]);
                    key_dots(qs, &k_data[at..at + dim], &mut row_scores);
                    for (j, &s) in row_scores.iter().enumerate() {
                        scores[j * len + t] = s;
                    }
                }
                if let Some(c) = self.softcap {
                    scores.iter_mut().for_each(|s| *s = (*s / c).tanh() * c);
                }
                let mut sums = vec![1f32; group];
                for (scores, sum) in scores.chunks_exact_mut(len).zip(&mut sums) {
                    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    if max == f32::NEG_INFINITY {
                        // Nothing to attend to: this head's output stays zero.
                        scores.fill(0.0);
                    } else {
                        *sum = exp_shifted_sum(scores, max);
                    }
                }
                value_sums(&scores, v_data, &rows, dim, out);
                for (out, sum) in out.chunks_exact_mut(dim).zip(&sums) {
                    out.iter_mut().for_each(|o| *o /= sum);
                }
            });
        let out: Vec<T> = out.into_iter().map(T::from_f32).collect();
        Tensor::from_vec(out, (batch, heads, dim), q.device())
    }
}

/// Asks the CPU to bring `data` into its caches (a hint: no effect on
/// results, none at all off x86-64).
#[inline(always)]
fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let bytes = std::mem::size_of_val(data);
        let start = data.as_ptr() as *const i8;
        for line in (0..bytes).step_by(64) {
            // Safety: a prefetch never faults; the address lies in `data`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.add(line)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}

/// Where each of a sequence's first `len` rows for kv head `head` starts,
/// found block by block (an add per row rather than a division).
fn row_starts(table: &[u32], len: usize, head: usize, shape: CacheShape) -> Vec<usize> {
    let mut rows = Vec::with_capacity(len);
    for &block in table {
        let first = cache_row(block as usize, head, 0, shape);
        let slots = shape.block_size.min(len - rows.len());
        rows.extend((0..slots).map(|slot| first + slot * shape.dim));
        if rows.len() == len {
            break;
        }
    }
    rows
}
