//! What the engine says it runs on, as logs and `kefu bench` show it.

use crate::options;
use kefu_engine::Engine;
use kefu_engine_mistral::MistralEngine;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_names_the_file_device_dtype_and_the_q8_0_kernel() {
    let options = options();
    let engine = MistralEngine::load(&options)
        .await
        .expect("the default model (scripts/fetch-model)");
    let described = engine.describe();
    // `dtype = auto` is BF16 on a CPU; kefu's candle-core names the Q8_0
    // kernel this CPU runs.
    let kernel = candle_core::quantized::repacked_q8_0::kernel();
    assert_eq!(
        described,
        format!(
            "mistralrs:{} (cpu, bf16, q8_0 kernel {kernel})",
            options.model.display()
        )
    );
}
