#include "platform/service/command_line.hpp"

namespace ts::service {

std::optional<int> parse_command_line(CLI::App& cli, const std::vector<std::string>& args) {
  // CLI11 takes the arguments last first.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    cli.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }
  return std::nullopt;
}

}  // namespace ts::service
