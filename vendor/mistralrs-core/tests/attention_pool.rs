//! kefu's mistralrs-core runs CPU attention on the caller's rayon pool
//! (normally rayon's global pool, which the matmuls use too) instead of a
//! second pool of its own, whose idle workers spun against the global
//! pool's on small machines. Alone in its own test binary: it counts the
//! process's threads.

use candle_core::{DType, Device, Tensor};
use mistralrs_core::layers::{Sdpa, SdpaParams};

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("Linux /proc")
        .count()
}

#[test]
fn attention_starts_no_thread_pool_of_its_own() {
    // Start rayon's global pool first, so that only a pool attention might
    // start shows up in the count.
    rayon::join(|| (), || ());
    let before = threads();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let t = |len| Tensor::randn(0f32, 1.0, (1, 2, len, 16), &Device::Cpu).unwrap();
    let params = SdpaParams {
        n_kv_groups: 1,
        softcap: None,
        softmax_scale: 0.25,
        sliding_window: None,
        sinks: None,
    };
    // A decoding step and a prompt, the two CPU paths.
    let (q1, q8, k, v) = (t(1), t(8), t(8), t(8));
    let mask = Tensor::zeros((8, 8), DType::F32, &Device::Cpu).unwrap();
    let out = pool.install(|| {
        let step = Sdpa
            .run_attention(&q1, &k, &v, None, None, &params)
            .unwrap();
        let prompt = Sdpa
            .run_attention(&q8, &k, &v, Some(&mask), None, &params)
            .unwrap();
        (step, prompt)
    });
    assert_eq!(out.0.dims(), &[1, 2, 1, 16]);
    assert_eq!(out.1.dims(), &[1, 2, 8, 16]);
    // The one worker of our pool; upstream added a pool as large as the
    // machine (RAYON_NUM_THREADS or one per CPU) on first use.
    assert_eq!(
        threads(),
        before + 1,
        "attention started threads of its own"
    );
}
