#include "core/report_json.h"

#include <cmath>

#include "core/weights.h"

namespace headroom {
namespace {

using nlohmann::json;

// Values are rounded for display the way vLLM prints them (GiB to 2 decimals) only in the
// text table; JSON keeps full precision so scripts can compare.
json term_json(const Term& t) {
  return {{"key", t.key}, {"label", t.label}, {"value", t.value}, {"formula", t.formula},
          {"inputs", t.inputs}, {"calibration", t.calibration}};
}

json rank_json(const RankEstimate& r, const Estimate& e, size_t i) {
  return {{"rank", i},
          {"pp_stage", r.pp_stage},
          {"layers", r.weights.num_layers},
          {"weights_gib", r.weights_term.value},
          {"activation_gib", r.activation_term.value},
          {"non_torch_gib", r.non_torch_term.value},
          {"cudagraph_gib", r.cudagraph_term.value},
          {"kv_cache_gib", r.avail_bytes / kGiB},
          {"num_gpu_blocks_own", r.own_blocks},
          {"limiting", i == e.limiting}};
}

}  // namespace

json gpu_to_json(const Gpu& g) {
  return {{"id", g.id}, {"name", g.name}, {"vendor", g.vendor}, {"memory_gib", g.memory_gib},
          {"memory_bytes", g.memory_bytes}, {"memory_source", g.memory_source},
          {"compute_capability", g.compute_capability}, {"architecture", g.architecture},
          {"fp8", g.fp8}, {"fp4", g.fp4}, {"bf16", g.bf16}, {"interconnect", g.interconnect},
          {"aliases", g.aliases}};
}

json estimate_to_json(const Estimate& e) {
  const RankEstimate& r = e.rank();
  const Resolved& s = e.settings;
  json j;
  j["ok"] = true;
  j["weights_gib"] = r.weights_term.value;
  j["activation_gib"] = r.activation_term.value;
  j["non_torch_gib"] = r.non_torch_term.value;
  j["cudagraph_gib"] = r.cudagraph_term.value;
  j["kv_cache_gib"] = r.avail_bytes / kGiB;
  j["num_gpu_blocks"] = e.kv.num_blocks;
  j["kv_cache_tokens"] = e.kv.tokens_logged;
  j["max_concurrency"] = e.kv.max_concurrency;
  j["fits"] = e.fits;
  j["fit_reason"] = e.fit_reason;
  j["largest_fitting_max_model_len"] = e.largest_fitting_len;
  j["total_gib"] = e.total_bytes / kGiB;
  j["requested_gib"] = e.requested_bytes / kGiB;
  j["unused_gib"] = e.unused_gib();
  j["notes"] = e.notes;
  j["settings"] = {{"tensor_parallel_size", s.tp},
                   {"pipeline_parallel_size", s.pp},
                   {"max_model_len", s.max_model_len},
                   {"max_num_seqs", s.max_num_seqs},
                   {"max_num_batched_tokens", s.max_num_batched_tokens},
                   {"gpu_memory_utilization", s.gpu_memory_utilization},
                   {"kv_cache_dtype", s.kv_cache_dtype},
                   {"block_size", r.kv.block_size},
                   {"dtype", s.dtype},
                   {"quantization", e.quant.quantized() ? json(e.quant.name) : json(nullptr)},
                   {"enforce_eager", s.enforce_eager},
                   {"vllm_version", s.rules.version.text},
                   {"entrypoint", s.entrypoint},
                   {"num_gpus", s.tp * s.pp}};
  json layer_kinds = json::object();
  for (const auto& l : e.model.layers) layer_kinds[mixer_name(l.mixer)] = layer_kinds.value(mixer_name(l.mixer), 0) + 1;
  j["model"] = {{"name", e.model_name},
                {"architecture", e.model.architecture},
                {"model_type", e.model.model_type},
                {"num_layers", e.model.num_layers()},
                {"hidden_size", e.model.hidden_size},
                {"num_attention_heads", e.model.attn.num_heads},
                {"num_kv_heads", e.model.attn.num_kv_heads},
                {"head_dim", e.model.attn.head_dim},
                {"vocab_size", e.model.vocab_size},
                {"max_position_embeddings", e.model.max_position_embeddings},
                {"params_b", total_parameters(e.model) / 1e9},
                {"moe", e.model.moe.has_value()},
                {"mla", e.model.mla.has_value()},
                {"multimodal", e.model.is_multimodal()},
                {"layer_types", layer_kinds},
                {"quantization", e.model.quant.name}};
  j["gpu"] = gpu_to_json(e.gpu);
  j["gpu"].erase("aliases");  // listGpus() has them; an estimate does not need them
  const CudaGraphEstimate& g = r.graphs;
  j["cudagraph"] = {{"mode", g.mode},
                    {"captured", g.captured},
                    {"capture_sizes", g.capture_sizes},
                    {"largest_capture", g.largest_capture},
                    {"piecewise_graphs", g.piecewise_graphs},
                    {"pieces_per_size", g.pieces_per_size},
                    {"full_graphs", g.full_graphs},
                    {"graphs_total", g.graphs_total},
                    {"pool_gib", g.pool_bytes / kGiB},
                    {"per_graph_mib", g.per_piece_bytes / kMiB},
                    {"per_full_graph_mib", g.per_full_graph_bytes / kMiB},
                    {"total_gib", g.total_bytes / kGiB},
                    {"subtracted_from_kv_budget", g.subtracted_from_budget},
                    {"flat_rule_of_thumb_gib", {1.5, 2.0}}};
  json groups = json::array();
  for (const auto& gr : r.kv.groups)
    groups.push_back({{"kind", gr.kind}, {"layers", gr.layers}, {"window", gr.window}, {"state", gr.is_state}});
  j["kv"] = {{"block_size", r.kv.block_size},
             {"bytes_per_token", r.kv.bytes_per_token},
             {"state_bytes_per_request", r.kv.state_bytes_per_request},
             {"page_bytes", r.kv.page_bytes},
             {"block_cost_bytes", r.kv.block_cost_bytes},
             {"group_size", r.kv.group_size},
             {"groups", groups},
             {"blocks_per_request", e.kv.blocks_per_request},
             {"kv_layers", r.kv.kv_layers},
             {"formula", r.kv.formula}};

  Term kv_term;
  kv_term.key = "kv_cache_gib";
  kv_term.label = "KV cache (available)";
  kv_term.value = r.avail_bytes / kGiB;
  kv_term.formula = std::string(s.rules.ceil_requested ? "ceil(total x gpu_memory_utilization)" : "total x gpu_memory_utilization") +
                    " - weights - activation - non_torch" + (g.subtracted_from_budget ? " - cuda_graphs" : "") +
                    "; blocks = floor(avail / block cost), minimum over ranks";
  kv_term.inputs = {{"total_gib", e.total_bytes / kGiB},
                    {"gpu_memory_utilization", s.gpu_memory_utilization},
                    {"requested_gib", e.requested_bytes / kGiB},
                    {"block_cost_bytes", r.kv.block_cost_bytes},
                    {"num_gpu_blocks", e.kv.num_blocks},
                    {"budget_era", static_cast<int>(s.rules.era) + 1}};
  Term tokens;
  tokens.key = "kv_cache_tokens";
  tokens.label = "KV cache tokens";
  tokens.value = static_cast<double>(e.kv.tokens_logged);
  switch (s.rules.tokens_log) {
    case TokensLog::kNotLogged: tokens.formula = "num_gpu_blocks x block_size (V0 logs blocks only)"; break;
    case TokensLog::kBlocksTimesBlockSize: tokens.formula = "num_gpu_blocks x block_size"; break;
    case TokensLog::kPerGroupMinBlock: tokens.formula = "num_gpu_blocks // num_groups x block_size"; break;
    case TokensLog::kConcurrencyTimesLen: tokens.formula = "int(max_concurrency x max_model_len)"; break;
  }
  tokens.inputs = {{"num_gpu_blocks", e.kv.num_blocks}, {"block_size", r.kv.block_size},
                   {"num_groups", r.kv.groups.size()}, {"max_model_len", s.max_model_len}};
  Term conc;
  conc.key = "max_concurrency";
  conc.label = "Maximum concurrency at max_model_len";
  conc.value = e.kv.max_concurrency;
  conc.formula = s.rules.concurrency_tokens_over_len || !s.rules.v1
                     ? "num_gpu_blocks x block_size / max_model_len"
                     : "num_gpu_blocks / blocks one request needs (summed over KV groups)";
  conc.inputs = {{"num_gpu_blocks", e.kv.num_blocks}, {"blocks_per_request", e.kv.blocks_per_request},
                 {"max_model_len", s.max_model_len}};
  j["terms"] = json::array({term_json(r.weights_term), term_json(r.activation_term), term_json(r.non_torch_term),
                            term_json(r.cudagraph_term), term_json(kv_term), term_json(tokens), term_json(conc)});
  json ranks = json::array();
  for (size_t i = 0; i < e.ranks.size(); ++i) ranks.push_back(rank_json(e.ranks[i], e, i));
  j["ranks"] = ranks;
  j["vllm_serve"] = vllm_serve_line(e);
  return j;
}

}  // namespace headroom
