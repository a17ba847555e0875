#pragma once
// Owns: files and the small text helpers around them — whole-file reads,
// atomic writes, reading a log from an offset or its last lines, random
// tokens, and the time stamps and durations tierstack prints.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace tierstack {

std::string read_file(const std::filesystem::path& p);
// Writes via a temporary file and rename, so readers never see half a file.
void write_file(const std::filesystem::path& p, const std::string& text, int mode = 0644);
// The size of a file, 0 when it does not exist.
std::uintmax_t file_size_or0(const std::filesystem::path& p);
// A file's bytes from offset on (what a log gained since then).
std::string read_from(const std::filesystem::path& p, std::uintmax_t offset);
// The last n lines of a file.
std::string tail_lines(const std::filesystem::path& p, int n);

// `bytes` random bytes from /dev/urandom as lowercase hex.
std::string random_hex(std::size_t bytes);
std::string now_text();  // "HH:MM:SS.mmm"
double seconds_since(std::chrono::steady_clock::time_point t);
// A duration in seconds for the operator ("1.25 s" with the default format).
std::string fmt_secs(double s, const char* format = "%.2f s");

}  // namespace tierstack
