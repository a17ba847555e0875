// The canonical row form both engines hash alike, and its SHA-256
// (copy_internal.hpp; the format is described at the top of dbcopy.cpp).
#include <charconv>
#include <variant>

#include "platform/core/text.hpp"
#include "tierstack/db/copy/copy_internal.hpp"

namespace tierstack::copy_detail {

using ts::db::Row;

RowHasher::RowHasher() {
  crypto_hash_sha256_init(&state_);
}

void RowHasher::add(const Row& row) {
  buf_.clear();
  for (std::size_t i = 0; i < row.size(); ++i) {
    const auto& v = row.at(i).variant();
    if (std::holds_alternative<std::nullptr_t>(v)) {
      buf_ += "n;";
    } else if (auto* n = std::get_if<std::int64_t>(&v)) {
      buf_ += 'i';
      buf_ += std::to_string(*n);
      buf_ += ';';
    } else if (auto* b = std::get_if<bool>(&v)) {
      buf_ += *b ? "i1;" : "i0;";
    } else if (auto* d = std::get_if<double>(&v)) {
      char text[64];
      const auto res = std::to_chars(text, text + sizeof text, *d);
      buf_ += 'f';
      buf_.append(text, res.ptr);
      buf_ += ';';
    } else {
      const auto& s = std::get<std::string>(v);
      buf_ += 's';
      buf_ += std::to_string(s.size());
      buf_ += ':';
      buf_ += s;
    }
  }
  buf_ += '\n';
  crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(buf_.data()),
                            buf_.size());
  ++rows_;
}

std::string RowHasher::hex() {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state_, out);
  return ts::core::hex_encode({reinterpret_cast<const char*>(out), sizeof out});
}

std::string thousands(std::int64_t n) {
  const std::string digits = std::to_string(n);
  const std::size_t sign = n < 0 ? 1 : 0;
  std::string out = digits.substr(0, sign);
  for (std::size_t i = sign; i < digits.size(); ++i) {
    if (i > sign && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace tierstack::copy_detail
