//! kefu: paged attention on the CPU.
//!
//! Upstream runs paged attention only on CUDA and Metal. Without it a CPU
//! keeps one KV tensor per sequence, and the default scheduler can batch
//! only sequences of equal length: conversations with different prompts
//! took turns instead of decoding together. With the cache in blocks,
//! sequences of any lengths share each decode step.
//!
//! On a CPU the cache of each layer is laid out `(blocks, kv_heads,
//! block_size, head_dim)` for keys and values alike (see `CacheEngine`), so
//! one token's key or value for one head is a contiguous row.

use candle_core::{CpuStorage, DType, Layout, Result, Tensor, WithDType};

use super::cpu_kernels::{cache_row, gather, CacheShape, Decode};
use crate::{
    attention::SdpaParams, layers::Sdpa, paged_attention::_PAD_SLOT_ID,
    pipeline::text_models_inputs_processor::PagedAttentionInputMetadata,
};

/// Attention for `query` (batch, heads, seq, dim) with this step's `key` and
/// `value` (batch, kv_heads, seq, dim), through the paged caches of one
/// layer. Writes the new keys and values first when `write_cache`.
///
/// Returns (batch, heads, seq, dim) when `attention_mask` is given (the
/// first chunk of a prompt), else (batch, seq, heads, dim), the orders the
/// models reshape from.
#[allow(clippy::too_many_arguments)]
pub fn attend(
    query: &Tensor,
    key: &Tensor,
    value: &Tensor,
    attention_mask: Option<&Tensor>,
    key_cache: &Tensor,
    value_cache: &Tensor,
    input_metadata: &PagedAttentionInputMetadata,
    sdpa_params: &SdpaParams,
    write_cache: bool,
) -> Result<Tensor> {
    if sdpa_params.sinks.is_some() {
        candle_core::bail!("attention sinks are not supported by paged attention on the CPU");
    }
    let device = query.device().location();
    let slots = input_metadata
        .slot_mappings
        .get(&device)
        .ok_or_else(|| candle_core::Error::Msg("paged attention: no slot mapping".into()))?;
    let (batch, _, seq_len, _) = query.dims4()?;
    let slots = slots
        .flatten_all()?
        .to_dtype(DType::I64)?
        .to_vec1::<i64>()?;
    if write_cache {
        write_slots(key, key_cache, &slots)?;
        write_slots(value, value_cache, &slots)?;
    }

    let use_full =
        sdpa_params.sliding_window.is_none() && input_metadata.full_block_tables.is_some();
    let tables = if use_full {
        &input_metadata.full_block_tables
    } else {
        &input_metadata.block_tables
    };
    let tables = tables.as_ref().and_then(|t| t.get(&device));

    // A whole prompt with nothing cached: its own keys and values are all
    // it sees, so the dense kernel runs on them directly.
    if let Some(mask) = attention_mask {
        if write_cache && (input_metadata.num_cached_tokens.is_none() || tables.is_none()) {
            return Sdpa.run_attention(query, key, value, Some(mask), None, sdpa_params);
        }
    }
    let tables = tables
        .ok_or_else(|| candle_core::Error::Msg("paged attention: no block tables".into()))?
        .to_dtype(DType::U32)?
        .to_vec2::<u32>()?;
    if tables.len() < batch || slots.len() != batch * seq_len {
        candle_core::bail!(
            "paged attention: {} tables and {} slots for {batch} sequences of {seq_len}",
            tables.len(),
            slots.len()
        );
    }
    let block_size = key_cache.dim(2)?;
    // Each sequence's context: up to and including its last new token.
    let lens = (0..batch)
        .map(|b| {
            context_len(
                &tables[b],
                &slots[b * seq_len..(b + 1) * seq_len],
                block_size,
            )
        })
        .collect::<Result<Vec<_>>>()?;

    if seq_len > 1 || attention_mask.is_some() {
        let out = prompt_from_cache(
            query,
            key_cache,
            value_cache,
            &tables,
            &lens,
            &slots,
            sdpa_params,
        )?;
        return if attention_mask.is_some() {
            Ok(out)
        } else {
            out.transpose(1, 2)?.contiguous()
        };
    }

    let decode = Decode {
        tables: &tables,
        lens: &lens,
        scale: sdpa_params.softmax_scale,
        softcap: sdpa_params.softcap.filter(|&c| c != 1.0),
    };
    let q = query.contiguous()?;
    let out = match q.dtype() {
        DType::F32 => decode.run::<f32>(&q, key_cache, value_cache)?,
        DType::F16 => decode.run::<half::f16>(&q, key_cache, value_cache)?,
        DType::BF16 => decode.run::<half::bf16>(&q, key_cache, value_cache)?,
        other => candle_core::bail!("paged attention on the CPU: unsupported dtype {other:?}"),
    };
    out.reshape((batch, 1, (), q.dim(3)?))
}

/// Copies each token's (kv_heads, dim) rows of `new` (batch, kv_heads, seq,
/// dim) into its slot of `cache`; padding slots are skipped.
fn write_slots(new: &Tensor, cache: &Tensor, slots: &[i64]) -> Result<()> {
    // (batch·seq, kv_heads, dim): token i of the flattened batch is slot i.
    let rows = new.transpose(1, 2)?.flatten(0, 1)?.contiguous()?;
    let (tokens, heads, dim) = rows.dims3()?;
    if tokens != slots.len() {
        candle_core::bail!("paged attention: {tokens} tokens for {} slots", slots.len());
    }
    cache.inplace_op2(&rows, &WriteSlots { slots, heads, dim })
}

struct WriteSlots<'a> {
    slots: &'a [i64],
    heads: usize,
    dim: usize,
}

impl WriteSlots<'_> {
    fn copy<T: WithDType>(&self, cache: &mut [T], cache_dims: &[usize], rows: &[T]) -> Result<()> {
        let (blocks, block_size) = (cache_dims[0], cache_dims[2]);
        let (heads, dim) = (self.heads, self.dim);
        if cache_dims[1] != heads || cache_dims[3] != dim {
            candle_core::bail!("paged attention: cache {cache_dims:?} for rows of {heads}x{dim}");
        }
        let shape = CacheShape {
            heads,
            block_size,
            dim,
        };
        for (token, &slot) in self.slots.iter().enumerate() {
            if slot == _PAD_SLOT_ID {
                continue;
            }
            let slot = slot as usize;
            let (block, offset) = (slot / block_size, slot % block_size);
            if block >= blocks {
                candle_core::bail!("paged attention: slot {slot} past {blocks} blocks");
            }
            for h in 0..heads {
                let to = cache_row(block, h, offset, shape);
                let from = (token * heads + h) * dim;
                cache[to..to + dim].copy_from_slice(&rows[from..from + dim]);
            }
        }
        Ok(())
    }
}

impl candle_core::InplaceOp2 for WriteSlots<'_> {
    fn name(&self) -> &'static str {
        "kefu-paged-write-slots"
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<()> {
        if !l1.is_contiguous() || l1.start_offset() != 0 || !l2.is_contiguous() {
            candle_core::bail!("paged attention: the cache and rows must be contiguous");
        }
        let dims = l1.dims();
        let from = l2.start_offset();
        match (s1, s2) {
            (CpuStorage::F32(c), CpuStorage::F32(r)) => self.copy(c, dims, &r[from..]),
            (CpuStorage::F16(c), CpuStorage::F16(r)) => self.copy(c, dims, &r[from..]),
            (CpuStorage::BF16(c), CpuStorage::BF16(r)) => self.copy(c, dims, &r[from..]),
            _ => candle_core::bail!("paged attention: cache and rows differ in dtype"),
        }
    }
}

/// The position of the last new token of each sequence, plus one: its
/// context length. Found through its slot and block table, so it holds for
/// prefix-cache hits and later prompt chunks alike.
fn context_len(table: &[u32], slots: &[i64], block_size: usize) -> Result<usize> {
    let Some(&last) = slots.iter().rev().find(|&&s| s != _PAD_SLOT_ID) else {
        return Ok(0);
    };
    let (block, offset) = (last as usize / block_size, last as usize % block_size);
    let index = table
        .iter()
        .position(|&b| b as usize == block)
        .ok_or_else(|| candle_core::Error::Msg("paged attention: slot outside its table".into()))?;
    Ok(index * block_size + offset + 1)
}

/// Prompt rows that attend to keys already in the cache (a prefix-cache hit
/// or a later chunk): per sequence, its keys and values are gathered from
/// their blocks and the dense kernel runs with a causal mask shifted by the
/// cached length. Rows past a sequence's new tokens are zeros.
fn prompt_from_cache(
    query: &Tensor,
    key_cache: &Tensor,
    value_cache: &Tensor,
    tables: &[Vec<u32>],
    lens: &[usize],
    slots: &[i64],
    sdpa_params: &SdpaParams,
) -> Result<Tensor> {
    let (batch, heads, seq_len, dim) = query.dims4()?;
    let mut outs = Vec::with_capacity(batch);
    for (b, table) in tables.iter().enumerate().take(batch) {
        let seq_slots = &slots[b * seq_len..(b + 1) * seq_len];
        let new = seq_slots.iter().filter(|&&s| s != _PAD_SLOT_ID).count();
        let kv_len = lens[b];
        if new == 0 {
            outs.push(query.narrow(0, b, 1)?.zeros_like()?);
            continue;
        }
        let (k, v) = (
            gather(key_cache, table, kv_len)?,
            gather(value_cache, table, kv_len)?,
        );
        let cached = kv_len.checked_sub(new).ok_or_else(|| {
            candle_core::Error::Msg(format!(
                "paged attention: {new} new tokens in a context of {kv_len}"
            ))
        })?;
        let mask: Vec<f32> = (0..new)
            .flat_map(|i| {
                (0..kv_len).map(move |j| {
                    if j <= cached + i {
                        0.0
                    } else {
                        f32::NEG_INFINITY
                    }
                })
            })
            .collect();
        let mask =
            Tensor::from_vec(mask, (new, kv_len), query.device())?.to_dtype(query.dtype())?;
        let q = query.narrow(0, b, 1)?.narrow(2, 0, new)?;
        let mut out = Sdpa.run_attention(&q, &k, &v, Some(&mask), None, sdpa_params)?;
        if new < seq_len {
            let pad = Tensor::zeros((1, heads, seq_len - new, dim), out.dtype(), out.device())?;
            out = Tensor::cat(&[&out, &pad], 2)?;
        }
        outs.push(out);
    }
    Tensor::cat(&outs, 0)
}

/// Paged attention for builds without CUDA or Metal: all of it on the CPU.
pub struct PagedAttention;

impl PagedAttention {
    /// A paged attention layer; ALiBi slopes are not supported on the CPU.
    pub fn new(
        _head_dim: usize,
        _device: &candle_core::Device,
        alibi_slopes: Option<Vec<f32>>,
    ) -> Result<Self> {
        if alibi_slopes.is_some() {
            candle_core::bail!("ALiBi is not supported by paged attention on the CPU");
        }
        Ok(Self)
    }

    /// Writes this step's keys and values to the cache, then attends.
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &self,
        query: &Tensor,
        key: &Tensor,
        value: &Tensor,
        attention_mask: Option<&Tensor>,
        key_cache: Option<Tensor>,
        value_cache: Option<Tensor>,
        input_metadata: &PagedAttentionInputMetadata,
        sdpa_params: &SdpaParams,
        _flash_params: Option<&crate::pipeline::text_models_inputs_processor::FlashParams>,
    ) -> Result<Tensor> {
        let (Some(k_cache), Some(v_cache)) = (key_cache, value_cache) else {
            // Calibration passes run without a cache.
            return Sdpa.run_attention(query, key, value, attention_mask, None, sdpa_params);
        };
        attend(
            query,
            key,
            value,
            attention_mask,
            &k_cache,
            &v_cache,
            input_metadata,
            sdpa_params,
            true,
        )
    }

    /// Attends against a donor layer's cache without writing to it.
    #[allow(clippy::too_many_arguments)]
    pub fn forward_donor_cache(
        &self,
        query: &Tensor,
        key_cache: &Tensor,
        value_cache: &Tensor,
        attention_mask: Option<&Tensor>,
        input_metadata: &PagedAttentionInputMetadata,
        sdpa_params: &SdpaParams,
        _flash_params: Option<&crate::pipeline::text_models_inputs_processor::FlashParams>,
    ) -> Result<Tensor> {
        attend(
            query,
            query,
            query,
            attention_mask,
            key_cache,
            value_cache,
            input_metadata,
            sdpa_params,
            false,
        )
    }
}
