//! Greedy decoding picks the largest logit (kefu's mistralrs-core
//! `argmax_f32`, rewritten to vectorize): the last index of the largest
//! value, as upstream's `Iterator::max_by` scan chose, at every length and
//! position, with ties, infinities and NaN.

use mistralrs_core::argmax_f32;

/// Upstream's scan, the reference.
fn scan(values: &[f32]) -> u32 {
    values
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal))
        .map(|(i, _)| i as u32)
        .unwrap_or(0)
}

/// Small pseudo-random logits (a fixed sequence, so failures repeat).
fn logits(len: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state % 1000) as f32 / 50.0 - 10.0
        })
        .collect()
}

#[test]
fn argmax_is_the_last_largest_at_every_length_and_position() {
    assert_eq!(argmax_f32(&[]), 0);
    for len in (1..70).chain([49_152]) {
        let base = logits(len, len as u32);
        assert_eq!(argmax_f32(&base), scan(&base), "random, length {len}");
        for at in [0, len / 3, len - 1] {
            let mut v = base.clone();
            v[at] = 100.0;
            assert_eq!(argmax_f32(&v), at as u32, "peak at {at} of {len}");
            // A tie: the later one wins, as in upstream's scan.
            let other = (at + len / 2) % len;
            v[other] = 100.0;
            assert_eq!(argmax_f32(&v), at.max(other) as u32, "tie in {len}");
        }
    }
}

#[test]
fn argmax_handles_infinities_and_nan_as_upstream() {
    let all_masked = vec![f32::NEG_INFINITY; 40];
    assert_eq!(argmax_f32(&all_masked), scan(&all_masked));
    let mut v = logits(50, 7);
    v[33] = f32::INFINITY;
    assert_eq!(argmax_f32(&v), 33);
    for at in [0, 17, 49] {
        let mut v = logits(50, 9);
        v[at] = f32::NAN;
        assert_eq!(argmax_f32(&v), scan(&v), "NaN at {at}");
    }
}
