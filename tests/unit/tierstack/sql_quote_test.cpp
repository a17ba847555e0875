// The one quoting helper for statements that cannot bind their values.
#include <gtest/gtest.h>

#include <stdexcept>

#include "tierstack/db/sql_quote.hpp"

using tierstack::quote_ident;
using tierstack::quote_literal;

TEST(TierstackSqlQuote, IdentifiersDoubleTheirQuotes) {
  EXPECT_EQ(quote_ident("shop"), "\"shop\"");
  EXPECT_EQ(quote_ident("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(quote_ident("x'; DROP TABLE t; --"), "\"x'; DROP TABLE t; --\"");
  EXPECT_EQ(quote_ident(""), "\"\"");
}

TEST(TierstackSqlQuote, LiteralsDoubleTheirQuotes) {
  EXPECT_EQ(quote_literal("FIRST 1 (\"postgres-2\")"), "'FIRST 1 (\"postgres-2\")'");
  EXPECT_EQ(quote_literal("it's"), "'it''s'");
  EXPECT_EQ(quote_literal("''"), "''''''");
  // A backslash is an ordinary character with standard_conforming_strings.
  EXPECT_EQ(quote_literal("a\\'"), "'a\\'''");
}

TEST(TierstackSqlQuote, ANulByteIsRefused) {
  EXPECT_THROW(quote_literal(std::string("a\0b", 3)), std::invalid_argument);
  EXPECT_THROW(quote_ident(std::string("\0", 1)), std::invalid_argument);
}
