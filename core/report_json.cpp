#include "core/report_json.h"

#include <map>

#include "core/weights.h"

namespace headroom {
namespace {

// Values are rounded for display the way vLLM prints them (GiB to 2 decimals) only in the
// text table; JSON keeps full precision so scripts can compare.
// A term without its inputs and calibration: the caller writes "inputs" and closes it.
JsonWriter& open_term(JsonWriter& w, std::string_view key, std::string_view label, double value, std::string_view formula) {
  return w.begin_object().field("key", key).field("label", label).field("value", value).field("formula", formula);
}

void write_term(JsonWriter& w, const Term& t) {
  open_term(w, t.key, t.label, t.value, t.formula).field("inputs", t.inputs).field("calibration", t.calibration).end_object();
}

void write_rank(JsonWriter& w, const RankEstimate& r, const Estimate& e, size_t i) {
  w.begin_object()
      .field("rank", i)
      .field("pp_stage", r.pp_stage)
      .field("layers", r.weights.num_layers)
      .field("weights_gib", r.weights_term.value)
      .field("activation_gib", r.activation_term.value)
      .field("non_torch_gib", r.non_torch_term.value)
      .field("cudagraph_gib", r.cudagraph_term.value)
      .field("kv_cache_gib", r.avail_bytes / kGiB)
      .field("num_gpu_blocks_own", r.own_blocks)
      .field("limiting", i == e.limiting)
      .end_object();
}

void write_settings(JsonWriter& w, const Estimate& e) {
  const Resolved& s = e.settings;
  w.key("settings").begin_object()
      .field("tensor_parallel_size", s.tp)
      .field("pipeline_parallel_size", s.pp)
      .field("max_model_len", s.max_model_len)
      .field("max_num_seqs", s.max_num_seqs)
      .field("max_num_batched_tokens", s.max_num_batched_tokens)
      .field("gpu_memory_utilization", s.gpu_memory_utilization)
      .field("kv_cache_dtype", s.kv_cache_dtype)
      .field("block_size", e.rank().kv.block_size)
      .field("dtype", s.dtype)
      .field("quantization", e.quant.quantized() ? std::optional<std::string>(e.quant.name) : std::nullopt)
      .field("enforce_eager", s.enforce_eager)
      .field("skip_mm_profiling", s.skip_mm_profiling)
      .field("vllm_version", s.rules.version.text)
      .field("entrypoint", s.entrypoint)
      .field("num_gpus", s.tp * s.pp)
      .end_object();
}

void write_model(JsonWriter& w, const Estimate& e) {
  const ModelSpec& m = e.model;
  std::map<std::string, int64_t> layer_kinds;
  for (const auto& l : m.layers) ++layer_kinds[mixer_name(l.mixer)];
  w.key("model").begin_object()
      .field("name", e.model_name)
      .field("architecture", m.architecture)
      .field("model_type", m.model_type)
      .field("num_layers", m.num_layers())
      .field("hidden_size", m.hidden_size)
      .field("num_attention_heads", m.attn.num_heads)
      .field("num_kv_heads", m.attn.num_kv_heads)
      .field("head_dim", m.attn.head_dim)
      .field("vocab_size", m.vocab_size)
      .field("max_position_embeddings", m.max_position_embeddings)
      .field("params_b", total_parameters(m) / 1e9)
      .field("moe", m.moe.has_value())
      .field("mla", m.mla.has_value())
      .field("multimodal", m.is_multimodal());
  w.key("layer_types").begin_object();
  for (const auto& [kind, count] : layer_kinds) w.field(kind, count);
  w.end_object().field("quantization", m.quant.name).end_object();
}

void write_cudagraph(JsonWriter& w, const CudaGraphEstimate& g) {
  w.key("cudagraph").begin_object()
      .field("mode", g.mode)
      .field("captured", g.captured)
      .field("capture_sizes", g.capture_sizes)
      .field("largest_capture", g.largest_capture)
      .field("piecewise_graphs", g.piecewise_graphs)
      .field("pieces_per_size", g.pieces_per_size)
      .field("full_graphs", g.full_graphs)
      .field("graphs_total", g.graphs_total)
      .field("pool_gib", g.pool_bytes / kGiB)
      .field("per_graph_mib", g.per_piece_bytes / kMiB)
      .field("per_full_graph_mib", g.per_full_graph_bytes / kMiB)
      .field("total_gib", g.total_bytes / kGiB)
      .field("subtracted_from_kv_budget", g.subtracted_from_budget)
      .field("flat_rule_of_thumb_gib", std::vector<double>{1.5, 2.0})
      .end_object();
}

void write_kv(JsonWriter& w, const Estimate& e) {
  const KvLayout& kv = e.rank().kv;
  w.key("kv").begin_object()
      .field("block_size", kv.block_size)
      .field("bytes_per_token", kv.bytes_per_token)
      .field("state_bytes_per_request", kv.state_bytes_per_request)
      .field("page_bytes", kv.page_bytes)
      .field("block_cost_bytes", kv.block_cost_bytes)
      .field("group_size", kv.group_size);
  w.key("groups").begin_array();
  for (const auto& gr : kv.groups)
    w.begin_object().field("kind", gr.kind).field("layers", gr.layers).field("window", gr.window).field("state", gr.is_state).end_object();
  w.end_array()
      .field("blocks_per_request", e.kv.blocks_per_request)
      .field("kv_layers", kv.kv_layers)
      .field("formula", kv.formula)
      .end_object();
}

// The three terms that come out of the budget rather than out of one rank's memory.
void write_budget_terms(JsonWriter& w, const Estimate& e) {
  const RankEstimate& r = e.rank();
  const Resolved& s = e.settings;

  const std::string kv_formula =
      std::string(s.rules.ceil_requested ? "ceil(total x gpu_memory_utilization)" : "total x gpu_memory_utilization") +
      " - weights - activation - non_torch" + (r.graphs.subtracted_from_budget ? " - cuda_graphs" : "") +
      "; blocks = floor(avail / block cost), minimum over ranks";
  open_term(w, "kv_cache_gib", "KV cache (available)", r.avail_bytes / kGiB, kv_formula);
  w.key("inputs").begin_object()
      .field("total_gib", e.total_bytes / kGiB)
      .field("gpu_memory_utilization", s.gpu_memory_utilization)
      .field("requested_gib", e.requested_bytes / kGiB)
      .field("block_cost_bytes", r.kv.block_cost_bytes)
      .field("num_gpu_blocks", e.kv.num_blocks)
      .field("budget_era", static_cast<int>(s.rules.era) + 1)
      .end_object().field("calibration", "").end_object();

  std::string_view tokens_formula;
  switch (s.rules.tokens_log) {
    case TokensLog::kNotLogged: tokens_formula = "num_gpu_blocks x block_size (V0 logs blocks only)"; break;
    case TokensLog::kBlocksTimesBlockSize: tokens_formula = "num_gpu_blocks x block_size"; break;
    case TokensLog::kPerGroupMinBlock: tokens_formula = "num_gpu_blocks // num_groups x block_size"; break;
    case TokensLog::kConcurrencyTimesLen: tokens_formula = "int(max_concurrency x max_model_len)"; break;
  }
  open_term(w, "kv_cache_tokens", "KV cache tokens", static_cast<double>(e.kv.tokens_logged), tokens_formula);
  w.key("inputs").begin_object()
      .field("num_gpu_blocks", e.kv.num_blocks)
      .field("block_size", r.kv.block_size)
      .field("num_groups", r.kv.groups.size())
      .field("max_model_len", s.max_model_len)
      .end_object().field("calibration", "").end_object();

  const std::string_view conc_formula = s.rules.concurrency_tokens_over_len || !s.rules.v1
                                            ? "num_gpu_blocks x block_size / max_model_len"
                                            : "num_gpu_blocks / blocks one request needs (summed over KV groups)";
  open_term(w, "max_concurrency", "Maximum concurrency at max_model_len", e.kv.max_concurrency, conc_formula);
  w.key("inputs").begin_object()
      .field("num_gpu_blocks", e.kv.num_blocks)
      .field("blocks_per_request", e.kv.blocks_per_request)
      .field("max_model_len", s.max_model_len)
      .end_object().field("calibration", "").end_object();
}

}  // namespace

void write_gpu(JsonWriter& w, const Gpu& g, bool with_aliases) {
  w.begin_object()
      .field("id", g.id)
      .field("name", g.name)
      .field("vendor", g.vendor)
      .field("memory_gib", g.memory_gib)
      .field("memory_bytes", g.memory_bytes)
      .field("memory_source", g.memory_source)
      .field("compute_capability", g.compute_capability)
      .field("architecture", g.architecture)
      .field("fp8", g.fp8)
      .field("fp4", g.fp4)
      .field("bf16", g.bf16)
      .field("interconnect", g.interconnect);
  if (with_aliases) w.field("aliases", g.aliases);  // listGpus() has them; an estimate does not need them
  w.end_object();
}

std::string estimate_to_text(const Estimate& e) {
  const RankEstimate& r = e.rank();
  JsonWriter w;
  w.begin_object()
      .field("ok", true)
      .field("weights_gib", r.weights_term.value)
      .field("activation_gib", r.activation_term.value)
      .field("non_torch_gib", r.non_torch_term.value)
      .field("cudagraph_gib", r.cudagraph_term.value)
      .field("kv_cache_gib", r.avail_bytes / kGiB)
      .field("num_gpu_blocks", e.kv.num_blocks)
      .field("kv_cache_tokens", e.kv.tokens_logged)
      .field("max_concurrency", e.kv.max_concurrency)
      .field("fits", e.fits)
      .field("fit_reason", e.fit_reason)
      .field("largest_fitting_max_model_len", e.largest_fitting_len)
      .field("total_gib", e.total_bytes / kGiB)
      .field("requested_gib", e.requested_bytes / kGiB)
      .field("unused_gib", e.unused_gib())
      .field("notes", e.notes);
  write_settings(w, e);
  write_model(w, e);
  w.key("gpu");
  write_gpu(w, e.gpu, false);
  write_cudagraph(w, r.graphs);
  write_kv(w, e);
  w.key("terms").begin_array();
  for (const Term* t : {&r.weights_term, &r.activation_term, &r.non_torch_term, &r.cudagraph_term}) write_term(w, *t);
  write_budget_terms(w, e);
  w.end_array();
  w.key("ranks").begin_array();
  for (size_t i = 0; i < e.ranks.size(); ++i) write_rank(w, e.ranks[i], e, i);
  w.end_array();
  w.field("vllm_serve", vllm_serve_line(e)).end_object();
  return w.take();
}

nlohmann::json estimate_to_json(const Estimate& e) { return nlohmann::json::parse(estimate_to_text(e)); }

}  // namespace headroom
