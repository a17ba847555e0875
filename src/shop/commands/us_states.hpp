#pragma once
// The 50 US states by name, in this order: the seeder picks from it by index
// (so the order is part of its generated data) and the Django importer counts
// the addresses whose state is none of them.
#include <array>
#include <string_view>

namespace shop::commands {

inline constexpr std::array<std::string_view, 50> kUsStates = {
    "Alabama",       "Alaska",      "Arizona",        "Arkansas",      "California",
    "Colorado",      "Connecticut", "Delaware",       "Florida",       "Georgia",
    "Hawaii",        "Idaho",       "Illinois",       "Indiana",       "Iowa",
    "Kansas",        "Kentucky",    "Louisiana",      "Maine",         "Maryland",
    "Massachusetts", "Michigan",    "Minnesota",      "Mississippi",   "Missouri",
    "Montana",       "Nebraska",    "Nevada",         "New Hampshire", "New Jersey",
    "New Mexico",    "New York",    "North Carolina", "North Dakota",  "Ohio",
    "Oklahoma",      "Oregon",      "Pennsylvania",   "Rhode Island",  "South Carolina",
    "South Dakota",  "Tennessee",   "Texas",          "Utah",          "Vermont",
    "Virginia",      "Washington",  "West Virginia",  "Wisconsin",     "Wyoming"};

}  // namespace shop::commands
