#pragma once
// Typed errors of the core. Everything the user typed or pasted that cannot be used raises
// InputError naming the field (a JSON path such as "text_config.num_attention_heads" or a
// flag such as "tensor_parallel_size"); api.cpp turns it into {"ok": false, "error": ...}.
#include <stdexcept>
#include <string>

namespace headroom {

class InputError : public std::runtime_error {
 public:
  InputError(std::string field, const std::string& message)
      : std::runtime_error(message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

}  // namespace headroom
