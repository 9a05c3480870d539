// llama.cpp (node-llama-cpp's prebuilt CPU binaries) on the same GGUF and the
// same two workloads as `kefu bench`: prompt tokens/s on a realistic reply
// prompt, and greedy decode tokens/s over 128 tokens. Prints one JSON object.
// Run by scripts/bench-vs-llamacpp, which installs node-llama-cpp.
import { getLlama } from "node-llama-cpp";

const [modelPath, threads = "2", gpu = "false"] = process.argv.slice(2);
const llama = await getLlama({ gpu: gpu === "false" ? false : gpu, build: "never" });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 2048, threads: Number(threads), batchSize: 512 });

const chat = (messages) =>
  messages.map(([role, text]) => `<|im_start|>${role}\n${text}<|im_end|>\n`).join("") + "<|im_start|>assistant\n";

const replyPrompt = chat([
  ["system", "You are the customer service assistant of Kefu Demo Shop. Today is 2026-11-22.\n" +
    "Reply in English, in one to three short, polite sentences. Only state facts given here.\n" +
    "Facts: order #W4817420 (status: delivered on 2026-11-18; items: Trail Running Shoe, size 42, " +
    "blue, $89.90; tracking 718293047561). Return window: 30 days from delivery; refunds go to the " +
    "original payment method (credit card ending 4417) within 5-7 business days. Exchange: same " +
    "product, another available variant (size 43 blue available, $89.90).\n" +
    "Customer: Li Wei, verified by email; 6 orders since 2024, mostly sports and outdoor; prefers " +
    "short answers; mood: neutral."],
  ["user", "Hi, I got my running shoes but they are too small."],
  ["assistant", "I'm sorry to hear that. Could you tell me your order number?"],
  ["user", "It's W4817420. Can I swap them for a bigger size?"],
  ["assistant", "Yes, size 43 in blue is available at the same price. Shall I request the exchange?"],
  ["user", "What would the difference in price be, and how long does it take?"],
]);
const storyPrompt = chat([["user", "Write a long, detailed story about a lighthouse."]]);

async function run(text, maxTokens) {
  const sequence = context.getSequence();
  const tokens = model.tokenize(text, true);
  const started = performance.now();
  let first = null;
  let generated = 0;
  for await (const token of sequence.evaluate(tokens, { temperature: 0 })) {
    if (first === null) first = performance.now();
    generated += 1;
    if (generated >= maxTokens || model.isEogToken(token)) break;
  }
  const end = performance.now();
  sequence.dispose();
  return { promptTokens: tokens.length, promptSecs: (first - started) / 1000, generated, decodeSecs: (end - first) / 1000 };
}

await run(chat([["user", "Hello! Are you open today?"]]), 8); // warm-up
const prompt = await run(replyPrompt, 1);
const decode = await run(storyPrompt, 128);
console.log(JSON.stringify({
  engine: `llama.cpp (node-llama-cpp ${gpu === "false" ? "cpu" : gpu})`,
  prompt_tokens: prompt.promptTokens,
  prompt_tokens_per_sec: prompt.promptTokens / prompt.promptSecs,
  time_to_first_token_secs: decode.promptSecs,
  decode_tokens: decode.generated,
  decode_tokens_per_sec: (decode.generated - 1) / decode.decodeSecs,
}));
process.exit(0);
