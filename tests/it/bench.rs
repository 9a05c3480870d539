//! `kefu bench --json` measures the real engine on the real model and
//! reports every figure the speed targets are read from. (The figures
//! themselves are reported in notes, never asserted against a clock.)

use support::{assert_success, json_lines, model_path, Sandbox};

#[test]
fn bench_json_reports_every_figure_from_the_real_engine() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .kefu(&["bench", "--json"])
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .unwrap();
    assert_success(&output);
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1, "one JSON object expected: {lines:?}");
    let report = &lines[0];

    let engine = report["engine"].as_str().unwrap();
    let model = model_path();
    assert!(
        engine.starts_with("mistralrs:") && engine.contains(model.to_str().unwrap()),
        "the configured model through the embedded engine: {engine}"
    );
    // `llm.dtype = auto` (the default) is BF16 on a CPU; kefu's candle-core
    // names the Q8_0 kernel this CPU runs (which one: the engine's own test,
    // engines/mistral/tests/it/describe.rs).
    assert!(
        ["avx512-vnni", "avx2", "upstream"]
            .iter()
            .any(|kernel| engine.ends_with(&format!("(cpu, bf16, q8_0 kernel {kernel})"))),
        "device, dtype and kernel: {engine}"
    );
    assert_eq!(report["cpu_threads"], 2, "RAYON_NUM_THREADS is reported");

    for field in [
        "load_secs",
        "time_to_first_token_secs",
        "decode_tokens_per_sec",
        "prompt_tokens_per_sec",
        "cached_prefix_reply_secs",
        "rss_mib",
        "peak_rss_mib",
        "memory_gb_per_sec",
        "decode_gb_per_sec",
    ] {
        let value = report[field].as_f64().unwrap_or(0.0);
        assert!(value > 0.0, "{field} must be measured: {report}");
    }
    // The reply prompt carries instructions, facts, profile and history:
    // a few hundred tokens, as a real reply's prompt.
    let prompt_tokens = report["prompt_tokens"].as_u64().unwrap();
    assert!((200..1000).contains(&prompt_tokens), "{prompt_tokens}");
    assert!(report["peak_rss_mib"].as_f64() >= report["rss_mib"].as_f64());
    // Decoding streams the weights: the model file's bytes per token.
    let file = std::fs::metadata(&model).unwrap().len() as f64;
    let decode = report["decode_tokens_per_sec"].as_f64().unwrap();
    let gbs = report["decode_gb_per_sec"].as_f64().unwrap();
    assert!(
        (gbs - file * decode / 1e9).abs() < 1e-6 * gbs.max(1.0),
        "{report}"
    );

    let levels = report["concurrency"].as_array().unwrap();
    let conversations: Vec<u64> = levels
        .iter()
        .map(|l| l["conversations"].as_u64().unwrap())
        .collect();
    assert_eq!(conversations, [1, 4, 8]);
    for level in levels {
        let p50 = level["p50_latency_secs"].as_f64().unwrap();
        let p95 = level["p95_latency_secs"].as_f64().unwrap();
        assert!(level["aggregate_tokens_per_sec"].as_f64().unwrap() > 0.0);
        assert!(0.0 < p50 && p50 <= p95, "{level}");
    }
}

#[test]
fn bench_names_a_missing_model() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .kefu(&["bench", "--json"])
        .env("KEFU__LLM__MODEL", "/nowhere/model.gguf")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("/nowhere/model.gguf"), "{err}");
    assert!(output.stdout.is_empty(), "no report without a model");
}
